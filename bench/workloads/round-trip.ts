/**
 * Workload 3: latency of one task at a time, `submit` → `result`, after untimed warm-up calls.
 * Each call has fresh input, so no key is reused; its future is released at once.
 */
import type { Client } from '../../src/index.js';
import { sampleLatencies } from '../latency-sampler.js';
import { remainingMs, type RepetitionLimits } from '../limits.js';
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

export function measureRoundTrip(client: Client, warmup: number, limits: RepetitionLimits, deadlineMs: number): Promise<Measurement> {
  return sampleLatencies(warmup, limits, (sequence) => roundTrip(client, sequence, deadlineMs));
}
