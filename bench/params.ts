/**
 * Sizes and bounds of every workload. Counts follow issue 2 item 11; the time bounds keep a run on
 * this shared 2-core machine to a few minutes even when something is slow, and let a hung
 * workload be abandoned while the bench goes on.
 *
 * Every workload with a raw zeromq.js baseline runs in `BENCH_ROUNDS` alternating rounds (raw, flotilla,
 * raw, flotilla, …) on one cluster; `limits` bound one flotilla round (the warm-up runs once, before the
 * first round), and `timeLimitSeconds` the whole workload, every round and raw pass included.
 */
import type { WorkloadId, WorkloadParams } from './workload-types.js';

/** Alternating rounds per workload (`--rounds=N`); the best of each side is kept. */
export const BENCH_ROUNDS = 3;

export const WORKLOAD_PARAMS: Record<WorkloadId, WorkloadParams> = {
  noopMap: {
    tasks: 10_000,
    warmup: 1_000,
    limits: { maxRepetitions: 3, minRepetitions: 1, budgetSeconds: 6, timeLimitSeconds: 120 },
    // Dask's default setting reaches ~640 tasks/s here: ~16 s per repetition.
    daskLimits: { maxRepetitions: 5, minRepetitions: 1, budgetSeconds: 45, timeLimitSeconds: 150 },
  },
  ladder: {
    tasks: 10_000,
    warmup: 1_000,
    limits: { maxRepetitions: 3, minRepetitions: 1, budgetSeconds: 6, timeLimitSeconds: 120 },
    // ~160 tasks/s on Dask: one repetition takes about a minute.
    daskLimits: { maxRepetitions: 3, minRepetitions: 1, budgetSeconds: 60, timeLimitSeconds: 240 },
  },
  roundTrip: {
    tasks: 0,
    // V8 still compiles the hot path in the background for hundreds of round trips (236 optimisations by
    // 3,000 round trips, 108 by 500): a longer warm-up measures the steady state.
    warmup: 500,
    // The time limit covers the raw passes too: three floors (RAW_ZMQ_HOPS_PARAMS) before each round.
    limits: { maxRepetitions: 500, minRepetitions: 100, budgetSeconds: 8, timeLimitSeconds: 120 },
    daskLimits: { maxRepetitions: 1_000, minRepetitions: 100, budgetSeconds: 40, timeLimitSeconds: 90 },
  },
  actorRoundTrip: {
    tasks: 0,
    warmup: 100,
    limits: { maxRepetitions: 500, minRepetitions: 100, budgetSeconds: 8, timeLimitSeconds: 90 },
    daskLimits: { maxRepetitions: 0, minRepetitions: 0, budgetSeconds: 0, timeLimitSeconds: 0 },
  },
  clusterStart: {
    tasks: 0,
    warmup: 0,
    // The time limit also covers the 1…16-worker sweep against bare node processes (workloads/cluster-start.ts).
    limits: { maxRepetitions: 5, minRepetitions: 3, budgetSeconds: 20, timeLimitSeconds: 180 },
    daskLimits: { maxRepetitions: 5, minRepetitions: 3, budgetSeconds: 30, timeLimitSeconds: 120 },
  },
  scatterGather: {
    // The bytes are SCATTER_GATHER_BYTES; `maxRepetitions` scatters and gathers per round.
    tasks: 0,
    warmup: 1,
    limits: { maxRepetitions: 2, minRepetitions: 2, budgetSeconds: 10, timeLimitSeconds: 120 },
    daskLimits: { maxRepetitions: 0, minRepetitions: 0, budgetSeconds: 0, timeLimitSeconds: 0 },
  },
  run: {
    tasks: 0,
    warmup: 100,
    limits: { maxRepetitions: 200, minRepetitions: 50, budgetSeconds: 5, timeLimitSeconds: 60 },
    daskLimits: { maxRepetitions: 300, minRepetitions: 50, budgetSeconds: 20, timeLimitSeconds: 60 },
  },
};

/** Bytes of one scatter and one gather, and of the raw bulk transfer they are compared with: 100 MiB. */
export const SCATTER_GATHER_BYTES = 100 * 1024 * 1024;

/**
 * The raw zeromq.js round-trip baseline, one pass before each flotilla round of the latency workloads
 * and the ladder. Each pass costs about 1–3 s here (a Node child start plus up to 2,000 round trips of
 * 0.1–1 ms).
 */
export const RAW_ZMQ_PARAMS: { warmup: number; limits: WorkloadParams['limits'] } = {
  warmup: 200,
  limits: { maxRepetitions: 2_000, minRepetitions: 200, budgetSeconds: 2, timeLimitSeconds: 30 },
};

/**
 * The floors the round trip is also compared with (raw-zmq-round-trip.ts `measureRawZmqHops`): one hop,
 * one hop plus a thread hop, two hops through a relay, one after the other before each round-trip round.
 * Each of the three costs about 1–2.5 s here (child starts plus up to 1,500 round trips).
 */
export const RAW_ZMQ_HOPS_PARAMS: { warmup: number; limits: WorkloadParams['limits'] } = {
  warmup: 200,
  limits: { maxRepetitions: 1_500, minRepetitions: 200, budgetSeconds: 1.5, timeLimitSeconds: 30 },
};

/**
 * The raw zeromq.js throughput baseline (256 request/replies in flight), one pass before each flotilla
 * round of the no-op map. Each pass costs about 1–3 s here (a Node child start plus
 * up to 30,000 replies at 15–80k per second, no new request after 3 s of streaming).
 */
export const RAW_ZMQ_THROUGHPUT_PARAMS: { warmup: number; inFlight: number; limits: WorkloadParams['limits'] } = {
  warmup: 2_000,
  inFlight: 256,
  limits: { maxRepetitions: 30_000, minRepetitions: 5_000, budgetSeconds: 3, timeLimitSeconds: 30 },
};

/** The raw zeromq.js bulk transfer of SCATTER_GATHER_BYTES each way, one pass before each scatter/gather round. */
export const RAW_ZMQ_BULK_PARAMS: { repetitions: number; timeLimitSeconds: number } = {
  repetitions: 2,
  timeLimitSeconds: 60,
};
