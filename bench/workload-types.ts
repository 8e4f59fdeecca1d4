/**
 * The shapes every bench workload shares, on the flotilla side and (as JSON from
 * bench/dask/workloads.py) on the Dask side.
 */
import type { RepetitionLimits } from './limits.js';

/** The cluster workloads, named the same on both sides (`--workload <id>` for the Python script; scatterGather and actorRoundTrip have no Dask twin). */
export type WorkloadId = 'noopMap' | 'ladder' | 'roundTrip' | 'clusterStart' | 'run' | 'scatterGather' | 'actorRoundTrip';

/** Reference measurements taken in the same run that are not flotilla (no Dask twin either). */
export type BaselineId = 'rawZmqRoundTrip' | 'rawZmqHops' | 'rawZmqThroughput' | 'rawZmqBulk';

/** What a workload measured, before the runner adds its status and wall time. */
export interface Measurement {
  /** Headline figures, e.g. `{ tasksPerSecond }` or `{ medianMs, p99Ms }`. */
  metrics: Record<string, number>;
  /** One figure per repetition (or per call, for latencies), in `sampleUnit`. */
  samples: number[];
  sampleUnit: string;
  /** Counts and secondary figures worth keeping in the JSON. */
  detail?: Record<string, unknown>;
}

/** `ok`: measured; `error`: threw; `timeout`: passed its hard limit; `skipped`: not run (see `note`). */
export type WorkloadStatus = 'ok' | 'error' | 'timeout' | 'skipped';

/** One workload's outcome, as printed in the JSON. */
export interface WorkloadResult extends Measurement {
  status: WorkloadStatus;
  /** Why it was skipped, or anything odd seen while cleaning up. */
  note?: string;
  /** The error message when `status` is `error` or `timeout`. */
  error?: string;
  /** Wall time of the whole workload, cluster start and close included, in seconds. */
  elapsedSeconds: number;
}

/** Sizes and bounds of one workload; the same values go to the Dask twin. */
export interface WorkloadParams {
  /** Tasks per repetition (noopMap, ladder). */
  tasks: number;
  /** Untimed warm-up before measuring: calls (roundTrip, run), or the tasks of one warm-up repetition (noopMap, ladder). */
  warmup: number;
  /** Bounds for flotilla. */
  limits: RepetitionLimits;
  /** Bounds for Dask, which is one to two orders of magnitude slower (same counts, more time). */
  daskLimits: RepetitionLimits;
}

/** A result for a workload that did not produce figures. */
export function emptyResult(status: WorkloadStatus, elapsedSeconds: number, fields: { error?: string; note?: string } = {}): WorkloadResult {
  return { status, metrics: {}, samples: [], sampleUnit: '', elapsedSeconds, ...fields };
}
