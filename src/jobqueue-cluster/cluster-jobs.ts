/**
 * A cluster's view of its jobs: the job tracker's states (from the status command and worker
 * registrations), which workers of each job are connected now, and which jobs and workers were retired.
 * It decides which jobs count towards the cluster's size; it runs no command itself except through
 * the tracker's `poll()`.
 */
import type { BatchSystem, JobTrackerOptions, JobTransition, ResolvedJobOptions, TrackedJob } from '../jobqueue/index.js';
import { JobTracker } from '../jobqueue/index.js';

/** One job of a cluster, as `cluster.jobs` shows it. */
export interface ClusterJob extends TrackedJob {
  /** Names of this job's workers connected to the scheduler now. */
  readonly workers: readonly string[];
  /** True once the cluster retired the job (scale down, adapt, close): its workers were told to close and the job cancelled. */
  readonly retired: boolean;
}

/** Bookkeeping of a cluster's jobs. See the module comment. */
export class ClusterJobs {
  readonly tracker: JobTracker;
  readonly #connected = new Map<string, Set<string>>();
  readonly #jobOfWorker = new Map<string, string>();
  readonly #retired = new Set<string>();
  /** Workers retired on purpose (client.retireWorkers, or the cluster's own scale down): never replaced. */
  readonly #retiredWorkers = new Set<string>();

  constructor(system: BatchSystem, job: ResolvedJobOptions, options: JobTrackerOptions = {}) {
    this.tracker = new JobTracker(system, job, options);
  }

  /** Starts following a job that was just submitted. */
  add(jobId: string): void {
    this.tracker.add(jobId);
  }

  /** Whether this cluster submitted the job. */
  has(jobId: string): boolean {
    return this.tracker.get(jobId) !== undefined;
  }

  /**
   * A worker of `jobId` registered. Returns the job's transition (pending → running) if there was one,
   * and whether the job was already retired (its worker must then be told to leave at once).
   */
  workerJoined(jobId: string, workerName: string): { transition: JobTransition | undefined; retired: boolean } {
    const transition = this.tracker.markWorkerSeen(jobId);
    let names = this.#connected.get(jobId);
    if (names === undefined) this.#connected.set(jobId, (names = new Set()));
    names.add(workerName);
    this.#jobOfWorker.set(workerName, jobId);
    return { transition, retired: this.#retired.has(jobId) || this.#retiredWorkers.has(workerName) };
  }

  /** A worker was retired on purpose: if it registers again (a heartbeat crossed its 'close'), it is told to leave. */
  workerRetired(workerName: string): void {
    this.#retiredWorkers.add(workerName);
  }

  /** Whether the worker was retired on purpose. */
  wasRetired(workerName: string): boolean {
    return this.#retiredWorkers.has(workerName);
  }

  /** A worker left the scheduler; returns its job id when it was one of ours. */
  workerLeft(workerName: string): string | undefined {
    const jobId = this.#jobOfWorker.get(workerName);
    if (jobId === undefined) return undefined;
    this.#jobOfWorker.delete(workerName);
    this.#connected.get(jobId)?.delete(workerName);
    return jobId;
  }

  /** Marks the job retired and cancelled; returns the names of its connected workers, to be told to close. */
  retire(jobId: string): string[] {
    this.#retired.add(jobId);
    this.tracker.markCancelled(jobId);
    return [...(this.#connected.get(jobId) ?? [])];
  }

  /** Names of the connected workers of a job. */
  workersOf(jobId: string): string[] {
    return [...(this.#connected.get(jobId) ?? [])];
  }

  /**
   * Jobs that count towards the cluster's size: not retired, and either waiting for their workers
   * (pending, or running with none connected yet) or with a worker connected. A job whose workers all
   * left (lifetime reached, crash) no longer counts, so it is replaced while its end is being confirmed.
   */
  countedJobIds(): string[] {
    return this.tracker.jobs
      .filter((job) => !this.#retired.has(job.jobId))
      .filter((job) => {
        if (job.state === 'pending') return true;
        if (job.state !== 'running') return false;
        return job.workersSeen === 0 || (this.#connected.get(job.jobId)?.size ?? 0) > 0;
      })
      .map((job) => job.jobId);
  }

  /** Every job, by id, in submission order. */
  snapshot(): Map<string, ClusterJob> {
    return new Map(
      this.tracker.jobs.map((job) => [
        job.jobId,
        { ...job, workers: [...(this.#connected.get(job.jobId) ?? [])], retired: this.#retired.has(job.jobId) },
      ]),
    );
  }

  /** Jobs that ended before any worker connected, without the cluster cancelling them. */
  endedBeforeWorkersConnected(): TrackedJob[] {
    return this.tracker.jobs.filter(
      (job) => (job.state === 'finished' || job.state === 'failed') && job.workersSeen === 0 && !job.cancelRequested,
    );
  }

  /**
   * One phrase about the jobs, for time-out messages: pending and running jobs with their ids, and the
   * last jobs that ended before their workers connected, with their output files.
   */
  describe(): string {
    const jobs = this.tracker.jobs.filter((job) => !this.#retired.has(job.jobId));
    const pending = jobs.filter((job) => job.state === 'pending').map((job) => job.jobId);
    const running = jobs.filter((job) => job.state === 'running');
    const connected = running.reduce((sum, job) => sum + (this.#connected.get(job.jobId)?.size ?? 0), 0);
    const parts: string[] = [];
    if (pending.length > 0) parts.push(`${plural(pending.length, 'job')} still queued (${idList(pending)})`);
    if (running.length > 0) {
      parts.push(
        `${plural(running.length, 'job')} running (${idList(running.map((job) => job.jobId))}) with ${plural(connected, 'worker')} connected`,
      );
    }
    const failed = this.endedBeforeWorkersConnected().slice(-3);
    for (const job of failed) {
      const files = job.outputFiles;
      const paths = files.stdout === files.stderr ? files.stdout : `${files.stderr} and ${files.stdout}`;
      parts.push(`job ${job.jobId} ended (${job.native ?? job.state.toUpperCase()}) before its workers connected; see ${paths}`);
    }
    return parts.length === 0 ? 'no jobs submitted (call scale() or adapt())' : parts.join('; ');
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function idList(ids: readonly string[]): string {
  const shown = ids.slice(0, 10).join(', ');
  return `${ids.length === 1 ? 'id' : 'ids'} ${shown}${ids.length > 10 ? ', …' : ''}`;
}
