/**
 * How cores are split into worker processes by default, shared by `LocalCluster` (cores of this
 * machine) and the job-queue clusters (cores of one job): one process per node, with a task thread
 * per core. Node's task threads do not share a lock the way Python threads share the GIL, so Dask's
 * reason for several processes per node does not hold, and one process holds one copy of a broadcast
 * for the whole node. Dask's split stays available as {@link processesForCores}.
 */
import { availableParallelism } from 'node:os';

/** Worker processes per node (or per job) when none is asked for. */
export const DEFAULT_PROCESSES_PER_NODE = 1;

/**
 * Dask's split of `cores` into worker processes (what `dask-jobqueue` and Dask's `LocalCluster` do,
 * because of Python's GIL): up to 4 cores, one process per core; above, the smallest divisor of
 * `cores` that is at least √cores. flotilla's default is {@link DEFAULT_PROCESSES_PER_NODE}; pass this
 * as `processes` (job-queue clusters) or `nWorkers` (LocalCluster) to get Dask's shape.
 * @example processesForCores(8) // 4 (4 processes × 2 threads)
 */
export function processesForCores(cores: number): number {
  if (cores <= 4) return cores;
  for (let candidate = Math.ceil(Math.sqrt(cores)); candidate <= cores; candidate++) {
    if (cores % candidate === 0) return candidate;
  }
  return cores;
}

/**
 * The default shape of a LocalCluster: one worker process with one task thread per core, so the
 * threads share one copy of every stored value (see the README's object-store section).
 * @example defaultWorkerSplit(8) // { nWorkers: 1, threadsPerWorker: 8 }
 */
export function defaultWorkerSplit(cores = availableParallelism()): { nWorkers: number; threadsPerWorker: number } {
  return { nWorkers: DEFAULT_PROCESSES_PER_NODE, threadsPerWorker: Math.max(1, Math.floor(cores / DEFAULT_PROCESSES_PER_NODE)) };
}
