/**
 * Environment for worker processes, however they start (LocalCluster, a job script, `flotilla-worker`
 * by hand). glibc raises its mmap threshold after large frees, after which received 1 MiB chunks come
 * from heap arenas that are not returned to the system: a worker that received 800 MB would keep
 * ~100 MB more resident. A fixed threshold keeps chunk memory returnable. glibc reads it when the
 * process starts, so it must be in the environment the process is started with; a value the user set
 * is kept.
 */
export const WORKER_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** `env` with {@link WORKER_ENVIRONMENT} under it (what `env` sets wins). */
export function workerEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...WORKER_ENVIRONMENT, ...env };
}

