/**
 * Activities of the benchmark's own baseline workflows (worker-side). Not part of Keel.
 */

/** Deterministic filler of exactly `bytes` ASCII bytes, so that history sizes compare byte for byte. */
export function fillerText(bytes: number, seed: number): string {
  const unit = `output line ${seed} `;
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

export function createBenchActivities() {
  return {
    /** The naive loop's tool call: `bytes` of output, what `bench_output` returns in a Keel session. */
    async produceToolOutput(request: { bytes: number; seed: number }): Promise<string> {
      return fillerText(request.bytes, request.seed);
    },
  };
}
