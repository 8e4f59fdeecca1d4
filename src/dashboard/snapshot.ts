/**
 * What the dashboard shows, as plain JSON: built from the scheduler's own views (worker summaries,
 * per-group progress, counts by state) each time a page needs an update. Pure functions; no timers.
 */
import type { WorkerSummary } from '../protocol/messages.js';
import type { TaskRun } from '../scheduler/server.js';

/** A batch job as a job-queue cluster tracks it (structurally a `TrackedJob`). */
export interface JobView {
  readonly jobId: string;
  /** `pending`, `running`, `finished` or `failed`. */
  readonly state: string;
  /** The batch system's own word for the state (`PENDING`, `r`, …), if known. */
  readonly native?: string;
}

/** One row of the workers table. */
export interface WorkerRow {
  id: string;
  name: string;
  host: string;
  address: string;
  nthreads: number;
  /** Resident memory of the worker process, in bytes. */
  memory: number;
  /** In bytes; 0 when the worker has none. */
  memoryLimit: number;
  running: number;
  queued: number;
  pid: number;
  jobId?: string;
  jobState?: string;
}

/** Progress of one task group (tasks of one function), like Dask's progress panel. */
export interface GroupProgress {
  group: string;
  waiting: number;
  queued: number;
  processing: number;
  /** Finished since the scheduler started (kept after the results are released). */
  finished: number;
  /** Failed for good since the scheduler started. */
  erred: number;
  total: number;
}

/** The scheduler's own load. */
export interface SchedulerFigures {
  /** Tasks finished or failed per second, over the last second or two. */
  tasksPerSecond: number;
  /** Messages received plus sent per second. */
  messagesPerSecond: number;
  /** Event-loop delay over the last complete second, in milliseconds (undefined until measured). */
  eventLoopDelayMs?: { mean: number; p99: number; max: number };
}

/** Everything the page shows except the task stream. */
export interface DashboardState {
  /** Milliseconds since the epoch. */
  time: number;
  schedulerAddress: string;
  workers: WorkerRow[];
  groups: GroupProgress[];
  tasksByState: Record<string, number>;
  figures: SchedulerFigures;
  /** Jobs of a job-queue cluster (empty for others). */
  jobs: JobView[];
}

/** A live update: the state now plus the task runs that finished since the previous update. */
export interface DashboardUpdate extends DashboardState {
  runs: TaskRun[];
  /** Runs left out of this update to keep it small (the page says so). */
  runsDropped: number;
}

/** Group progress from `state.progressByGroup()`: current waiting/queued/processing, cumulative finished/erred. */
export function groupProgress(byGroup: Record<string, { states: Record<string, number>; finished: number; erred: number }>): GroupProgress[] {
  const out: GroupProgress[] = [];
  for (const [group, entry] of Object.entries(byGroup)) {
    const count = (state: string) => entry.states[state] ?? 0;
    // `released` is left out: a finished task passes through it on its way to being forgotten, and it
    // is already counted in `finished`.
    const waiting = count('waiting');
    const queued = count('queued');
    const processing = count('processing');
    const total = waiting + queued + processing + entry.finished + entry.erred;
    // Scattered data and other tasks that never ran have nothing to show.
    if (total === 0) continue;
    out.push({ group, waiting, queued, processing, finished: entry.finished, erred: entry.erred, total });
  }
  return out.sort((a, b) => a.group.localeCompare(b.group));
}

/** Worker rows, with each worker's job state when the cluster tracks jobs. */
export function workerRows(workers: readonly WorkerSummary[], jobs: readonly JobView[]): WorkerRow[] {
  const jobState = new Map(jobs.map((job) => [job.jobId, job.state]));
  return workers
    .map((w) => {
      const row: WorkerRow = {
        id: w.id, name: w.name, host: w.host, address: w.address, nthreads: w.nthreads,
        memory: w.memory, memoryLimit: w.memoryLimit, running: w.running, queued: w.queued, pid: w.pid,
      };
      if (w.jobId !== undefined) {
        row.jobId = w.jobId;
        const state = jobState.get(w.jobId);
        if (state !== undefined) row.jobState = state;
      }
      return row;
    })
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}
