/**
 * Sizes and bounds of every workload. Counts follow issue 2 item 11; the time bounds keep a run on
 * this shared 2-core machine to a few minutes even when something is slow, and let a hung
 * workload be abandoned while the bench goes on.
 */
import type { WorkloadId, WorkloadParams } from './workload-types.js';

export const WORKLOAD_PARAMS: Record<WorkloadId, WorkloadParams> = {
  noopMap: {
    tasks: 10_000,
    warmup: 1_000,
    limits: { maxRepetitions: 7, minRepetitions: 3, budgetSeconds: 20, timeLimitSeconds: 90 },
    // Dask's default setting reaches ~640 tasks/s here: ~16 s per repetition.
    daskLimits: { maxRepetitions: 5, minRepetitions: 1, budgetSeconds: 45, timeLimitSeconds: 150 },
  },
  ladder: {
    tasks: 10_000,
    warmup: 1_000,
    limits: { maxRepetitions: 7, minRepetitions: 3, budgetSeconds: 20, timeLimitSeconds: 90 },
    // ~160 tasks/s on Dask: one repetition takes about a minute.
    daskLimits: { maxRepetitions: 3, minRepetitions: 1, budgetSeconds: 60, timeLimitSeconds: 240 },
  },
  roundTrip: {
    tasks: 0,
    warmup: 100,
    limits: { maxRepetitions: 1_000, minRepetitions: 100, budgetSeconds: 30, timeLimitSeconds: 60 },
    daskLimits: { maxRepetitions: 1_000, minRepetitions: 100, budgetSeconds: 40, timeLimitSeconds: 90 },
  },
  clusterStart: {
    tasks: 0,
    warmup: 0,
    limits: { maxRepetitions: 5, minRepetitions: 3, budgetSeconds: 20, timeLimitSeconds: 90 },
    daskLimits: { maxRepetitions: 5, minRepetitions: 3, budgetSeconds: 30, timeLimitSeconds: 120 },
  },
  run: {
    tasks: 0,
    warmup: 20,
    limits: { maxRepetitions: 300, minRepetitions: 50, budgetSeconds: 15, timeLimitSeconds: 60 },
    daskLimits: { maxRepetitions: 300, minRepetitions: 50, budgetSeconds: 20, timeLimitSeconds: 60 },
  },
};

/**
 * The raw zeromq.js round-trip baseline, measured once before and once after the flotilla latency
 * workloads. Each pass costs about 1–3 s here (a Node child start plus up to 2,000 round trips of
 * 0.3–1 ms), so it is cheap enough to run twice.
 */
export const RAW_ZMQ_PARAMS: { warmup: number; limits: WorkloadParams['limits'] } = {
  warmup: 200,
  limits: { maxRepetitions: 2_000, minRepetitions: 200, budgetSeconds: 2, timeLimitSeconds: 30 },
};

/**
 * The raw zeromq.js throughput baseline (256 request/replies in flight), measured once before and once
 * after the flotilla throughput workloads. Each pass costs about 1–3 s here (a Node child start plus
 * up to 30,000 replies at 15–80k per second, no new request after 3 s of streaming).
 */
export const RAW_ZMQ_THROUGHPUT_PARAMS: { warmup: number; inFlight: number; limits: WorkloadParams['limits'] } = {
  warmup: 2_000,
  inFlight: 256,
  limits: { maxRepetitions: 30_000, minRepetitions: 5_000, budgetSeconds: 3, timeLimitSeconds: 30 },
};
