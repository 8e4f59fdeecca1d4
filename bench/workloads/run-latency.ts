/** Workload 5: latency of `client.run` of a no-op on every worker, after untimed warm-up calls. */
import type { Client } from '../../src/index.js';
import { RepetitionGate, type RepetitionLimits } from '../limits.js';
import { elapsedMs, median, quantile } from '../stats.js';
import type { Measurement } from '../workload-types.js';

async function runOnAll(client: Client, workers: number): Promise<void> {
  const answers = await client.run(() => 1);
  const values = Object.values(answers);
  if (values.length !== workers || values.some((v) => v !== 1)) {
    throw new Error(`client.run(() => 1) returned ${JSON.stringify(answers)}, expected 1 from each of ${workers} workers`);
  }
}

export async function measureRunLatency(client: Client, workers: number, warmup: number, limits: RepetitionLimits): Promise<Measurement> {
  for (let i = 0; i < warmup; i++) await runOnAll(client, workers);
  const gate = new RepetitionGate(limits);
  const latencies: number[] = [];
  while (gate.mayRepeat(latencies.length)) {
    const start = performance.now();
    await runOnAll(client, workers);
    latencies.push(elapsedMs(start));
  }
  return {
    metrics: { medianMs: median(latencies), p99Ms: quantile(latencies, 0.99) },
    samples: latencies,
    sampleUnit: 'ms',
    detail: { calls: latencies.length, warmup },
  };
}
