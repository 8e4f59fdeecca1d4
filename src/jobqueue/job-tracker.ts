/**
 * What flotilla knows about each job it submitted: pending → running → finished | failed, learnt from
 * the batch system's status command and from workers registering with their job id.
 *
 * The state logic ({@link JobTracker.applyStatuses}, {@link JobTracker.markWorkerSeen}) does no I/O and
 * returns the transitions it made; {@link JobTracker.poll} is the one method that runs a command.
 */
import type { BatchSystem, JobOutputFiles, JobStatusReport } from './batch-system.js';
import { jobStatusReports } from './jobs.js';
import type { ResolvedJobOptions } from './resolved-options.js';

/** A tracked job's state: `unknown` is never stored, a job is pending until something says otherwise. */
export type TrackedJobState = 'pending' | 'running' | 'finished' | 'failed';

/** One submitted job, as the tracker knows it. */
export interface TrackedJob {
  readonly jobId: string;
  readonly state: TrackedJobState;
  /** The batch system's last word on the job (`'PENDING'`, `'r'`, `'exit 3'`, …), if any. */
  readonly native: string | undefined;
  /** How many times a worker of this job registered. */
  readonly workersSeen: number;
  /** Whether flotilla asked for this job to be cancelled. */
  readonly cancelRequested: boolean;
  /** Milliseconds since the epoch. */
  readonly submittedAt: number;
  readonly startedAt: number | undefined;
  readonly endedAt: number | undefined;
  /** Where the job's stdout and stderr go. */
  readonly outputFiles: JobOutputFiles;
}

/** A change of a job's state, with a message for users when a job ended before any worker connected. */
export interface JobTransition {
  readonly jobId: string;
  readonly from: TrackedJobState;
  readonly to: TrackedJobState;
  readonly native: string | undefined;
  /** True when the job ended without a worker ever registering and without flotilla cancelling it. */
  readonly endedBeforeWorkersConnected: boolean;
  /** E.g. `job 123 ended (FAILED) before its workers connected; see /logs/flotilla-worker-123.err`. */
  readonly message: string;
}

/** Options of {@link JobTracker}. */
export interface JobTrackerOptions {
  /** Environment of the status command. @defaultValue `process.env` */
  readonly env?: NodeJS.ProcessEnv;
  /** Time limit of the status command, in milliseconds. @defaultValue `60_000` */
  readonly timeoutMs?: number;
  /**
   * How many polls in a row a pending or running job may be missing from the status output before it
   * counts as ended. Grid Engine forgets finished jobs at once, SLURM after `MinJobAge`; one miss is
   * allowed for a status command that lags behind a fresh submission. @defaultValue `2`
   */
  readonly missingPollsBeforeEnded?: number;
  /** Clock, in milliseconds since the epoch. @defaultValue `Date.now` */
  readonly now?: () => number;
}

interface JobRecord {
  jobId: string;
  state: TrackedJobState;
  native: string | undefined;
  workersSeen: number;
  cancelRequested: boolean;
  submittedAt: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
  outputFiles: JobOutputFiles;
  missedPolls: number;
}

const ORDER: Readonly<Record<TrackedJobState, number>> = { pending: 0, running: 1, finished: 2, failed: 2 };

/** Tracks the jobs of one cluster. See the module comment. */
export class JobTracker {
  readonly #system: BatchSystem;
  readonly #job: ResolvedJobOptions;
  readonly #options: JobTrackerOptions;
  readonly #records = new Map<string, JobRecord>();

  constructor(system: BatchSystem, job: ResolvedJobOptions, options: JobTrackerOptions = {}) {
    this.#system = system;
    this.#job = job;
    this.#options = options;
  }

  /** Starts tracking a job that was just submitted (state `pending`). Adding a known id returns it unchanged. */
  add(jobId: string): TrackedJob {
    const existing = this.#records.get(jobId);
    if (existing !== undefined) return snapshot(existing);
    const record: JobRecord = {
      jobId,
      state: 'pending',
      native: undefined,
      workersSeen: 0,
      cancelRequested: false,
      submittedAt: this.#now(),
      startedAt: undefined,
      endedAt: undefined,
      outputFiles: this.#system.outputFiles(this.#job, jobId),
      missedPolls: 0,
    };
    this.#records.set(jobId, record);
    return snapshot(record);
  }

  /** One job, or `undefined` when it is not tracked. */
  get(jobId: string): TrackedJob | undefined {
    const record = this.#records.get(jobId);
    return record === undefined ? undefined : snapshot(record);
  }

  /** Every tracked job, in submission order. */
  get jobs(): TrackedJob[] {
    return [...this.#records.values()].map(snapshot);
  }

  /** Ids of jobs that are pending or running. */
  activeJobIds(): string[] {
    return [...this.#records.values()].filter((r) => r.state === 'pending' || r.state === 'running').map((r) => r.jobId);
  }

  /** Stops tracking a job (e.g. an ended job the cluster no longer reports). */
  forget(jobId: string): void {
    this.#records.delete(jobId);
  }

  /**
   * Records that a worker registered with this job id: proof the job runs. Returns the transition
   * when the job was pending; ids that are not tracked are ignored (`undefined`).
   */
  markWorkerSeen(jobId: string): JobTransition | undefined {
    const record = this.#records.get(jobId);
    if (record === undefined) return undefined;
    record.workersSeen += 1;
    return record.state === 'pending' ? this.#move(record, 'running', record.native) : undefined;
  }

  /** Records that flotilla cancelled this job, so that its end is not reported as a failure. */
  markCancelled(jobId: string): void {
    const record = this.#records.get(jobId);
    if (record !== undefined) record.cancelRequested = true;
  }

  /**
   * Applies status reports (from {@link jobStatusReports}). States only move forward: a report of
   * `pending` for a running job is ignored, and ended jobs stay ended. A job flotilla cancelled ends
   * as `finished` even when the system calls it CANCELLED. A job missing from the reports
   * (`unknown`) for `missingPollsBeforeEnded` polls in a row counts as `finished`.
   */
  applyStatuses(reports: ReadonlyMap<string, JobStatusReport>): JobTransition[] {
    const transitions: JobTransition[] = [];
    const limit = this.#options.missingPollsBeforeEnded ?? 2;
    for (const [jobId, report] of reports) {
      const record = this.#records.get(jobId);
      if (record === undefined || record.state === 'finished' || record.state === 'failed') continue;
      if (report.state === 'unknown') {
        record.missedPolls += 1;
        if (record.missedPolls >= limit) {
          const native = `no longer listed by ${this.#system.statusCommand([jobId], this.#job)[0] ?? 'the status command'}`;
          transitions.push(this.#move(record, 'finished', native));
        }
        continue;
      }
      record.missedPolls = 0;
      let target: TrackedJobState = report.state;
      if (target === 'failed' && record.cancelRequested) target = 'finished';
      if (ORDER[target] > ORDER[record.state]) transitions.push(this.#move(record, target, report.native));
      else record.native = report.native;
    }
    return transitions;
  }

  /** Asks the batch system about every active job and applies the answer. */
  async poll(): Promise<JobTransition[]> {
    const ids = this.activeJobIds();
    if (ids.length === 0) return [];
    const reports = await jobStatusReports(this.#system, ids, {
      job: this.#job,
      ...(this.#options.env === undefined ? {} : { env: this.#options.env }),
      ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
    });
    return this.applyStatuses(reports);
  }

  /** One line about a job for users: `job 123: running (RUNNING), 2 workers seen; output /x.out, /x.err`. */
  describe(jobId: string): string {
    const record = this.#records.get(jobId);
    if (record === undefined) return `job ${jobId}: not submitted by this cluster`;
    const native = record.native === undefined ? '' : ` (${record.native})`;
    const workers = `${record.workersSeen} worker${record.workersSeen === 1 ? '' : 's'} seen`;
    return `job ${jobId}: ${record.state}${native}, ${workers}; output ${outputPaths(record.outputFiles)}`;
  }

  #move(record: JobRecord, to: TrackedJobState, native: string | undefined): JobTransition {
    const from = record.state;
    record.state = to;
    record.native = native;
    const now = this.#now();
    if (to === 'running') record.startedAt ??= now;
    const ended = to === 'finished' || to === 'failed';
    if (ended) record.endedAt = now;
    const endedBeforeWorkersConnected = ended && record.workersSeen === 0 && !record.cancelRequested;
    const how = native === undefined ? to.toUpperCase() : native;
    const message = endedBeforeWorkersConnected
      ? `job ${record.jobId} ended (${how}) before its workers connected; see ${outputPaths(record.outputFiles)}`
      : `job ${record.jobId} is ${to} (${how})`;
    return { jobId: record.jobId, from, to, native, endedBeforeWorkersConnected, message };
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

function outputPaths(files: JobOutputFiles): string {
  return files.stdout === files.stderr ? files.stdout : `${files.stderr} and ${files.stdout}`;
}

function snapshot(record: JobRecord): TrackedJob {
  const { missedPolls: _missedPolls, ...visible } = record;
  return { ...visible };
}
