/**
 * Activities of the benchmark's own baseline workflows (worker-side). Not part of Keel.
 */

/** The tool the naive baseline offers the model; the bench responder asks for it every turn. */
export const benchOutputToolName = 'bench_output';

/** Deterministic filler of exactly `bytes` ASCII bytes, so that history sizes compare byte for byte. */
export function fillerText(bytes: number, seed: number): string {
  const unit = `output line ${seed} `;
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

export function createBenchActivities() {
  return {
    /** A tool call whose output is `bytes` long: what a `cat` of a 10 KB file would return. */
    async produceToolOutput(request: { bytes: number; turn: number }): Promise<string> {
      return fillerText(request.bytes, request.turn);
    },
  };
}
