/**
 * Where two transcripts part: the length of their common prefix and what each holds after it. Entries compare by
 * what the model saw (role and content, or the marker), not by turn numbers or context epochs, which restart in a
 * fork. `continued-as-new` markers are left out: they tell how one session's runs went, which a fork does not
 * share, not what was said. Pure; client-side.
 */
import type { TranscriptEntry } from '../shared/schemas/session-messages.js';

export interface TranscriptDiff {
  /** How many leading entries the two transcripts share (`continued-as-new` markers left out). */
  common: number;
  /** Those shared entries, as the first transcript has them. */
  shared: TranscriptEntry[];
  /** Entries of the first transcript after the common prefix. */
  aRest: TranscriptEntry[];
  /** Entries of the second transcript after the common prefix. */
  bRest: TranscriptEntry[];
}

function comparable(entry: TranscriptEntry): string {
  if (entry.kind === 'marker') return JSON.stringify(['marker', entry.marker, entry.detail ?? '']);
  const blocks = typeof entry.content === 'string' ? [{ type: 'text', text: entry.content }] : entry.content;
  // A lone string and a lone text block are the same message to the model.
  return JSON.stringify(['message', entry.role, blocks]);
}

/** True when the model saw the same thing in both entries. */
export function sameEntry(a: TranscriptEntry, b: TranscriptEntry): boolean {
  return comparable(a) === comparable(b);
}

const conversationOf = (entries: TranscriptEntry[]): TranscriptEntry[] => entries.filter((entry) => !(entry.kind === 'marker' && entry.marker === 'continued-as-new'));

export function diffTranscripts(a: TranscriptEntry[], b: TranscriptEntry[]): TranscriptDiff {
  const left = conversationOf(a);
  const right = conversationOf(b);
  let common = 0;
  while (common < left.length && common < right.length && sameEntry(left[common], right[common])) common += 1;
  return { common, shared: left.slice(0, common), aRest: left.slice(common), bRest: right.slice(common) };
}
