/** A worker's record as the public {@link WorkerSummary} that events, `schedulerInfo()` and the dashboard show. */
import type { WorkerSummary } from '../protocol/messages.js';
import type { WorkerRecord } from './state/types.js';

/** The summary of `worker` now: identity, threads, memory, running and queued task counts. */
export function summarize(worker: WorkerRecord): WorkerSummary {
  return {
    id: worker.id,
    name: worker.info.name,
    host: worker.info.host,
    address: worker.info.address,
    nthreads: worker.info.nthreads,
    memoryLimit: worker.info.memoryLimit,
    memory: worker.memory,
    running: worker.executing.size,
    queued: Math.max(0, worker.processing.size - worker.executing.size),
    resources: worker.info.resources,
    pid: worker.info.pid,
    ...(worker.info.jobId ? { jobId: worker.info.jobId } : {}),
  };
}
