/**
 * What the cluster suite checks after the faults: each transcript holds every user message and every reply once;
 * the side-effect markers bash calls left in session directories; the stored blocks transcripts name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TranscriptEntry } from '../../src/shared/schemas/session-messages.js';
import { STORED_REF_FIELD } from '../../src/shared/schemas/transcript-ref.js';

function textOf(entry: TranscriptEntry): string {
  if (entry.kind !== 'message') return '';
  const content = entry.content as unknown;
  if (typeof content === 'string') return content;
  return (content as Array<{ type: string; text?: string }>).map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
}

/** Texts that should appear once each, and how often each appears beyond once (0 when none is repeated). */
export function countRepeats(transcript: TranscriptEntry[], expectedTexts: string[]): { missing: string[]; repeated: number } {
  const texts = transcript.map(textOf);
  let repeated = 0;
  const missing: string[] = [];
  for (const expected of expectedTexts) {
    const count = texts.filter((text) => text === expected).length;
    if (count === 0) missing.push(expected);
    repeated += Math.max(0, count - 1);
  }
  return { missing, repeated };
}

/** Every `keel_ref` hash anywhere in a value. */
export function storedHashes(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) storedHashes(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, field] of Object.entries(value)) {
      if (key === STORED_REF_FIELD && field && typeof field === 'object' && typeof (field as { hash?: unknown }).hash === 'string') into.add((field as { hash: string }).hash);
      else storedHashes(field, into);
    }
  }
  return into;
}

/** How many times each marker was written to a `side-effects.log` under `directory`. */
export function countSideEffects(directory: string): Map<string, number> {
  const counts = new Map<string, number>();
  const walk = (folder: string): void => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'side-effects.log') {
        for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) counts.set(line, (counts.get(line) ?? 0) + 1);
      }
    }
  };
  walk(directory);
  return counts;
}
