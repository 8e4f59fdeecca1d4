/**
 * Order statistics for bench samples. The machine is shared and noisy, so the bench quotes medians
 * (and a high percentile for latencies), never means.
 */

/** The value at quantile `q` (0..1) of `values`, by nearest rank; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile expects q between 0 and 1, got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** The median of `values` (mean of the two middle values for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Milliseconds elapsed since `startMs` (a `performance.now()` reading). */
export function elapsedMs(startMs: number): number {
  return performance.now() - startMs;
}
