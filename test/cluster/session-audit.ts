/**
 * What the cluster suite checks in transcripts after the faults: every user message and every reply once, no tool
 * call asked for twice, and the stored blocks they name.
 */
import type { TranscriptEntry } from '../../src/shared/schemas/session-messages.js';
import { STORED_REF_FIELD } from '../../src/shared/schemas/stored-block.js';

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

/** Tool calls a transcript asks for more than once (the same input again means a model reply recorded twice). */
export function repeatedToolCalls(transcript: TranscriptEntry[]): number {
  const inputs = transcript.flatMap((entry) =>
    entry.kind === 'message' && Array.isArray(entry.content)
      ? (entry.content as Array<{ type: string; input?: unknown }>).filter((block) => block.type === 'tool_use').map((block) => JSON.stringify(block.input))
      : [],
  );
  return inputs.length - new Set(inputs).size;
}
