/**
 * The one loop behind every latency workload: untimed warm-up calls, then timed calls as the
 * repetition limits allow, summarised as median and p99.
 */
import { RepetitionGate, type RepetitionLimits } from './limits.js';
import { elapsedMs, median, quantile } from './stats.js';
import type { Measurement } from './workload-types.js';

/**
 * Calls `call` `warmup` times untimed, then times it while `limits` allow.
 * @param call - one operation; `sequence` counts every call from 0 (warm-up included), for fresh inputs.
 * @param detail - extra figures for the JSON, next to the call and warm-up counts.
 */
export async function sampleLatencies(
  warmup: number,
  limits: RepetitionLimits,
  call: (sequence: number) => Promise<unknown>,
  detail: Record<string, unknown> = {},
): Promise<Measurement> {
  for (let i = 0; i < warmup; i++) await call(i);
  const gate = new RepetitionGate(limits);
  const latencies: number[] = [];
  while (gate.mayRepeat(latencies.length)) {
    const start = performance.now();
    await call(warmup + latencies.length);
    latencies.push(elapsedMs(start));
  }
  return {
    metrics: { medianMs: median(latencies), p99Ms: quantile(latencies, 0.99) },
    samples: latencies,
    sampleUnit: 'ms',
    detail: { calls: latencies.length, warmup, ...detail },
  };
}
