/** Workload 5: latency of `client.run` of a no-op on every worker, after untimed warm-up calls. */
import type { Client } from '../../src/index.js';
import { sampleLatencies } from '../latency-sampler.js';
import type { RepetitionLimits } from '../limits.js';
import type { Measurement } from '../workload-types.js';

async function runOnAll(client: Client, workers: number): Promise<void> {
  const answers = await client.run(() => 1);
  const values = Object.values(answers);
  if (values.length !== workers || values.some((v) => v !== 1)) {
    throw new Error(`client.run(() => 1) returned ${JSON.stringify(answers)}, expected 1 from each of ${workers} workers`);
  }
}

export function measureRunLatency(client: Client, workers: number, warmup: number, limits: RepetitionLimits): Promise<Measurement> {
  return sampleLatencies(warmup, limits, () => runOnAll(client, workers));
}
