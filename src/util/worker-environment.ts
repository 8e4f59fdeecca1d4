/**
 * Environment for worker processes, however they start (LocalCluster, a job script, `flotilla-worker`
 * by hand). glibc raises its mmap threshold after large frees (up to 32 MiB), after which large
 * allocations come from heap arenas that are not returned to the system: a worker that received 800 MB
 * would keep ~100 MB more resident. A fixed threshold keeps that memory returnable. It is 2 MiB, just
 * above a received 1 MiB chunk (transport/chunking.ts): chunks then come from the heap and, reclaimed as
 * they are consumed (transport/reclaim.ts), are reused warm, where at the default 128 KiB every chunk was
 * a fresh mmap whose pages fault in as the kernel writes them. Measured on a 100 MiB scatter: the
 * worker's system time 105-118 → 64-71 ms; an 800 MB broadcast held 1.036 → 1.043× the array.
 * glibc reads it when the process starts, so it must be in the environment the process is started
 * with; a value the user set is kept.
 */
export const WORKER_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '2097152' };

/** `env` with {@link WORKER_ENVIRONMENT} under it (what `env` sets wins). */
export function workerEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...WORKER_ENVIRONMENT, ...env };
}

