/**
 * Dask's split of cores into worker processes, shared by `LocalCluster` (cores of this machine) and the
 * job-queue clusters (cores of one job).
 */
import { availableParallelism } from 'node:os';

/**
 * How many worker processes `cores` cores are split into: up to 4 cores, one process per core; above,
 * the smallest divisor of `cores` that is at least √cores (so threads ≤ processes, and every core is used).
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
 * Splits the cores as Dask does ({@link processesForCores}): up to 4 cores one worker each; beyond that,
 * workers of several threads.
 * @example defaultWorkerSplit(8) // { nWorkers: 4, threadsPerWorker: 2 }
 */
export function defaultWorkerSplit(cores = availableParallelism()): { nWorkers: number; threadsPerWorker: number } {
  const nWorkers = processesForCores(cores);
  return { nWorkers, threadsPerWorker: cores <= 4 ? 1 : cores / nWorkers };
}
