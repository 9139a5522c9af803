/**
 * What the bench's tools answer, shared by every side of a comparison: Keel's tools (bench-tools.ts), the baseline
 * workflows' activities and the plain loop run the very same functions.
 */

/** Deterministic filler of exactly `bytes` ASCII bytes, so that history sizes compare byte for byte. */
export function fillerText(bytes: number, seed: number): string {
  const unit = `output line ${seed} `;
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

/** What `bench_lookup` answers for a key (the LangGraph peer computes the same string). */
export function lookupAnswer(key: string): string {
  return `value of ${key}: ${key.length} characters, checksum ${[...key].reduce((sum, character) => (sum * 31 + character.charCodeAt(0)) % 1_000_003, 7)}`;
}
