/**
 * The fields a job-queue cluster prints (`console.log(cluster)`, a notebook cell), as Dask's
 * `SLURMCluster(…, workers=…, threads=…, memory=…)`, plus its jobs by state.
 */
import type { TrackedJobState } from '../jobqueue/job-tracker.js';
import { formatBytes, type WorkerTotals } from '../util/inspect-summary.js';

export interface JobQueueClusterView {
  name: string;
  scheduler: string | undefined;
  status: 'starting' | 'running' | 'closing' | 'closed';
  jobStates: Iterable<TrackedJobState>;
  totals: WorkerTotals;
  dashboard: string | undefined;
}

export function jobQueueClusterFields(view: JobQueueClusterView): Record<string, unknown> {
  const counts = new Map<TrackedJobState, number>();
  for (const state of view.jobStates) counts.set(state, (counts.get(state) ?? 0) + 1);
  const order: TrackedJobState[] = ['running', 'pending', 'finished', 'failed'];
  const jobs = order.filter((state) => counts.has(state)).map((state) => `${counts.get(state)} ${state}`).join(', ');
  return {
    name: view.name,
    scheduler: view.scheduler,
    status: view.status,
    jobs: jobs || 'none',
    workers: view.totals.workers,
    threads: view.totals.threads,
    memory: formatBytes(view.totals.memory),
    dashboard: view.status === 'closed' ? undefined : view.dashboard,
  };
}
