/**
 * Workload 3: latency of one task at a time, `submit` → `result`, after untimed warm-up calls.
 * Each call has fresh input, so no key is reused; its future is released at once.
 */
import type { Client } from '../../src/index.js';
import { RepetitionGate, remainingMs, type RepetitionLimits } from '../limits.js';
import { elapsedMs, median, quantile } from '../stats.js';
import type { Measurement } from '../workload-types.js';

async function roundTrip(client: Client, input: number, deadlineMs: number): Promise<number> {
  const future = client.submit((x: number) => x + 1, input);
  try {
    const value = await future.result({ timeoutMs: remainingMs(deadlineMs) });
    if (value !== input + 1) throw new Error(`submit(x => x + 1, ${input}) returned ${String(value)}`);
    return value;
  } finally {
    future.release();
  }
}

export async function measureRoundTrip(client: Client, warmup: number, limits: RepetitionLimits, deadlineMs: number): Promise<Measurement> {
  for (let i = 0; i < warmup; i++) await roundTrip(client, -1 - i, deadlineMs);
  const gate = new RepetitionGate(limits);
  const latencies: number[] = [];
  while (gate.mayRepeat(latencies.length)) {
    const start = performance.now();
    await roundTrip(client, latencies.length, deadlineMs);
    latencies.push(elapsedMs(start));
  }
  return {
    metrics: { medianMs: median(latencies), p99Ms: quantile(latencies, 0.99) },
    samples: latencies,
    sampleUnit: 'ms',
    detail: { calls: latencies.length, warmup },
  };
}
