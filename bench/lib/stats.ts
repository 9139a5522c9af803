/**
 * Summaries of repeated measurements: median, p95 and p99 by linear interpolation between order statistics (the
 * same rule as numpy's default), so that small samples give stable figures instead of jumping between neighbours.
 */

/** A summary of samples, all in the samples' unit. */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** The q-quantile (0..1) of samples already sorted ascending. */
function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 1) return sorted[0];
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** @throws RangeError when there are no samples or one is not a finite number. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('summarize: no samples');
  if (samples.some((sample) => !Number.isFinite(sample))) throw new RangeError('summarize: a sample is not a finite number');
  const sorted = [...samples].sort((left, right) => left - right);
  return {
    n: sorted.length,
    median: round(quantileSorted(sorted, 0.5)),
    p95: round(quantileSorted(sorted, 0.95)),
    p99: round(quantileSorted(sorted, 0.99)),
    mean: round(sorted.reduce((sum, sample) => sum + sample, 0) / sorted.length),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
  };
}

/** Rounds to three decimals: microsecond precision for figures in milliseconds, enough for every figure here. */
export function round(value: number, decimals = 3): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** `numerator / denominator`, rounded; undefined when the denominator is zero. */
export function ratio(numerator: number, denominator: number): number | undefined {
  return denominator === 0 ? undefined : round(numerator / denominator);
}
