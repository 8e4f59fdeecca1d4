/**
 * The cluster's size, in whole jobs: the target that `scale()` and the adaptive checks set, and the
 * work of meeting it (submitting jobs, retiring the surplus, one operation at a time). It also follows
 * what happens to the jobs that bears on their count: workers registering with their job id (even
 * before the submission returned), all workers of a job leaving (the job is replaced), and jobs ending
 * before their workers connected (after too many in a row, the cluster stops submitting on its own).
 * Apart from `JobQueueCluster` so that the scaling rules read as one piece, without the scheduler
 * start-up and shutdown around them.
 */
import { JobSubmissionError } from '../errors/index.js';
import { cancelJobs, submissionMayExist, submitJob, type BatchSystem, type JobCommandOptions, type JobTransition, type ResolvedJobOptions } from '../jobqueue/index.js';
import type { WorkerSummary } from '../protocol/messages.js';
import type { SchedulerServer } from '../scheduler/server.js';
import type { Logger } from '../util/logger.js';
import { Adaptive, AdaptiveHysteresis, adaptiveJobTarget, readWorkload } from './adaptive.js';
import type { ClusterJobs } from './cluster-jobs.js';
import type { ResolvedAdaptOptions } from './options.js';
import { pickJobsToRetire, type RetirementCandidate } from './scaling.js';

/** Who asked for a change: a user call (errors are thrown) or the cluster itself (errors are logged). */
export type Initiator = 'user' | 'cluster';

/** What the scaler needs from its cluster. */
export interface ScalerContext {
  readonly system: BatchSystem;
  readonly jobOptions: ResolvedJobOptions;
  readonly jobs: ClusterJobs;
  readonly log: Logger;
  /** Jobs in a row ending before their workers connected after which the cluster stops submitting on its own. */
  readonly maxConsecutiveJobFailures: number;
  /** The job script as submitted now. */
  jobScript(): string;
  /** How to run the batch system's commands. */
  commandOptions(): JobCommandOptions;
  /** The scheduler, once it was started. */
  scheduler(): SchedulerServer | undefined;
  /** True once `close()` was called. */
  closing(): boolean;
}

/** Scaling towards a target number of jobs. See the module comment. */
export class JobScaler {
  readonly #context: ScalerContext;
  /** Jobs the cluster should have (whole jobs), set by scale() and adapt(). */
  #targetJobs = 0;
  /** Jobs in a row that ended before their workers connected. */
  #failureStreak = 0;
  /** Why the cluster stopped submitting jobs on its own, if it did. */
  #paused: string | undefined;
  /** Scaling operations run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();
  #adaptive: Adaptive | undefined;
  /** Workers that registered with a job id before its submission returned, by job id. */
  readonly #early = new Map<string, WorkerSummary[]>();
  #submissionsInFlight = 0;
  /**
   * Submissions that failed in a way that may still have created a job (no job id in the output, or a
   * submit command killed by its time-out). A worker that registers with a job id this cluster does
   * not know is taken to be of such a job: the job is then tracked, counted and cancelled on close.
   */
  #unidentified = 0;

  constructor(context: ScalerContext) {
    this.#context = context;
  }

  /** The adaptive scaling loop, while `adapt()` is on. */
  get adaptive(): Adaptive | undefined {
    return this.#adaptive?.active === true ? this.#adaptive : undefined;
  }

  /** Why the cluster stopped submitting jobs on its own, if it did. */
  get paused(): string | undefined {
    return this.#paused;
  }

  /** Submissions that may have created a job whose id the cluster never learnt (see `onWorkerAdded`). */
  get unidentifiedSubmissions(): number {
    return this.#unidentified;
  }

  /** Settles when the scaling operations queued so far have finished. */
  get settled(): Promise<unknown> {
    return this.#queue;
  }

  /** Sets the target to `jobs` for a user call, after the operations already queued; errors are thrown. */
  scaleTo(jobs: number): Promise<void> {
    return this.#serialized(() => this.#scaleTo(jobs, 'user'));
  }

  /** Meets the target again after a change the cluster noticed itself; errors are logged. */
  reconcile(): Promise<void> {
    return this.#serialized(() => this.#reconcile('cluster')).catch((error: unknown) => this.#context.log.error((error as Error).message));
  }

  /** Starts adaptive scaling (stopping an earlier loop); checks wait for the scheduler to start. */
  adapt(options: ResolvedAdaptOptions, schedulerStarted: Promise<SchedulerServer>): Adaptive {
    if (this.#adaptive !== undefined) void this.#adaptive.stop();
    this.resumeSubmissions();
    const hysteresis = new AdaptiveHysteresis(options.waitCount);
    const adaptive: Adaptive = new Adaptive(
      options,
      () => this.#adaptCheck(adaptive, options, hysteresis, schedulerStarted),
      (error) => this.#context.log.error(`adaptive scaling check failed: ${(error as Error).message}`),
    );
    this.#adaptive = adaptive;
    return adaptive;
  }

  /** Stops adaptive scaling if it was started; resolves, with whether it was, once a check in progress finished. */
  async stopAdaptive(): Promise<boolean> {
    const adaptive = this.#adaptive;
    if (adaptive === undefined) return false;
    this.#adaptive = undefined;
    await adaptive.stop();
    return true;
  }

  /** Lets the cluster submit jobs on its own again (a new `scale()` or `adapt()` call). */
  resumeSubmissions(): void {
    if (this.#paused !== undefined) this.#context.log.info(`submitting jobs again (was paused: ${this.#paused})`);
    this.#paused = undefined;
    this.#failureStreak = 0;
  }

  /** A worker registered with the scheduler: counts it for its job, or keeps it until its job's submission returns. */
  onWorkerAdded(worker: WorkerSummary): void {
    const { jobs, log } = this.#context;
    const jobId = worker.jobId;
    if (jobId === undefined) {
      log.warn(`worker ${worker.name} registered without a job id; it is used, but cannot be matched to a job`);
      return;
    }
    if (!jobs.has(jobId)) {
      if (this.#submissionsInFlight > 0) {
        // Its job's submission may not have returned yet; matched in #submitOne.
        this.#early.set(jobId, [...(this.#early.get(jobId) ?? []), worker]);
        return;
      }
      if (this.#unidentified === 0) {
        log.warn(`worker ${worker.name} registered with job id ${jobId}, which this cluster did not submit; it is used, but not counted`);
        return;
      }
      // The job of a submission whose output held no job id: from now on it is one of ours.
      this.#unidentified -= 1;
      jobs.add(jobId);
      log.warn(`job ${jobId} is the job of a submission whose id was not found: its worker ${worker.name} said so; it is tracked and will be cancelled on close`);
    }
    const { transition, retired } = jobs.workerJoined(jobId, worker.name);
    this.#failureStreak = 0;
    if (transition !== undefined) log.info(transition.message);
    if (retired || this.#context.closing()) this.#context.scheduler()?.retireWorkers([worker.name], `job ${jobId} was retired`);
  }

  /** A worker was retired on purpose (`client.retireWorkers`, or this cluster's scale down): it is not replaced. */
  onWorkerRetired(name: string): void {
    this.#context.jobs.workerRetired(name);
  }

  /**
   * A worker left the scheduler. When it was the last of a job that was not retired, the job is
   * replaced; unless that worker was retired on purpose (through the client): then the job is retired
   * with it, and the cluster asks for one job less, as if scaled down.
   */
  onWorkerRemoved(worker: WorkerSummary, reason: string): void {
    const { jobs, log } = this.#context;
    const jobId = jobs.workerLeft(worker.name);
    if (jobId === undefined || this.#context.closing()) return;
    const job = jobs.snapshot().get(jobId);
    if (job === undefined || job.retired || job.workers.length > 0) return;
    if (jobs.wasRetired(worker.name)) {
      jobs.retire(jobId);
      this.#targetJobs = Math.max(0, this.#targetJobs - 1);
      log.info(`job ${jobId} is retired with its last worker ${worker.name} (${reason}); not replaced: the cluster now asks for ${this.#targetJobs} job(s)`);
      return;
    }
    log.info(`all workers of job ${jobId} left (${reason})`);
    void this.reconcile();
  }

  /** A job changed state (status command): logs it, and counts jobs that ended before their workers connected. */
  onTransition(transition: JobTransition): void {
    const { log, maxConsecutiveJobFailures } = this.#context;
    if (!transition.endedBeforeWorkersConnected) {
      log.info(transition.message);
      return;
    }
    log.warn(transition.message);
    this.#failureStreak += 1;
    if (this.#failureStreak >= maxConsecutiveJobFailures && this.#paused === undefined) {
      this.#paused = `${this.#failureStreak} job${this.#failureStreak === 1 ? '' : 's'} in a row ended before their workers connected (last: ${transition.message})`;
      log.error(
        `${this.#paused}. Not submitting replacement jobs until the next scale() or adapt() call; check cluster.jobScript() and the output files.`,
      );
    }
  }

  async #adaptCheck(adaptive: Adaptive, options: ResolvedAdaptOptions, hysteresis: AdaptiveHysteresis, schedulerStarted: Promise<SchedulerServer>): Promise<void> {
    const scheduler = await schedulerStarted;
    await this.#serialized(async () => {
      if (this.#context.closing() || this.#adaptive !== adaptive || !adaptive.active) return;
      const counted = this.#context.jobs.countedJobIds().length;
      const target = adaptiveJobTarget(readWorkload(scheduler.view), counted, this.#context.jobOptions, options);
      const decision = hysteresis.decide(target, counted);
      if (decision.action === 'hold') return;
      this.#targetJobs = decision.jobs;
      await this.#reconcile('cluster');
    });
  }

  async #scaleTo(jobs: number, initiator: Initiator): Promise<void> {
    this.#targetJobs = jobs;
    await this.#reconcile(initiator);
  }

  /** Submits or retires jobs until the counted jobs match the target (see ClusterJobs.countedJobIds). */
  async #reconcile(initiator: Initiator): Promise<void> {
    if (this.#context.closing()) return;
    const counted = this.#context.jobs.countedJobIds();
    // A submission that may have created a job counts as one, so that it is never submitted twice.
    const size = counted.length + this.#unidentified;
    if (size > this.#targetJobs) {
      // While adapting, only idle jobs go (no task running, no result held): see pickJobsToRetire.
      const idleOnly = initiator === 'cluster' && this.adaptive !== undefined;
      const surplus = Math.min(counted.length, size - this.#targetJobs);
      const victims = pickJobsToRetire(this.#retirementCandidates(counted), surplus, idleOnly);
      await this.#retireJobs(victims, initiator === 'user' ? 'scaled down' : 'adaptive scale-down', initiator);
      return;
    }
    if (initiator === 'cluster' && this.#paused !== undefined) return;
    for (let missing = this.#targetJobs - size; missing > 0; missing--) {
      if (this.#context.closing()) return;
      try {
        await this.#submitOne();
      } catch (error) {
        if (initiator === 'user') {
          // Keep the target at what exists (or may exist), so that the cluster does not retry a refused submission on its own.
          this.#targetJobs = this.#context.jobs.countedJobIds().length + this.#unidentified;
          throw error;
        }
        this.#paused = `submitting a job failed: ${(error as Error).message}`;
        this.#context.log.error(`${this.#paused}. Not submitting jobs on its own until the next scale() or adapt() call.`);
        return;
      }
    }
  }

  async #submitOne(): Promise<string> {
    const { system, jobs, log } = this.#context;
    this.#submissionsInFlight += 1;
    let jobId: string;
    try {
      jobId = await submitJob(system, this.#context.jobScript(), this.#context.commandOptions());
    } catch (error) {
      if (error instanceof JobSubmissionError && submissionMayExist(error)) {
        this.#unidentified += 1;
        log.warn(
          `a submission may have created a job whose id is unknown; it is adopted when its workers connect with their job id ` +
            `(${this.#unidentified} such submission${this.#unidentified === 1 ? '' : 's'} now)`,
        );
      }
      throw error;
    } finally {
      this.#submissionsInFlight -= 1;
      if (this.#submissionsInFlight === 0) this.#adoptEarlyWorkers();
    }
    jobs.add(jobId);
    log.info(`submitted job ${jobId}`);
    const early = this.#early.get(jobId);
    this.#early.delete(jobId);
    for (const worker of early ?? []) this.onWorkerAdded(worker);
    return jobId;
  }

  /** Once no submission is in flight, workers that came early for an unknown job are adopted, or reported as not ours. */
  #adoptEarlyWorkers(): void {
    const early = [...this.#early.values()].flat();
    this.#early.clear();
    for (const worker of early) if (worker.jobId === undefined || !this.#context.jobs.has(worker.jobId)) this.onWorkerAdded(worker);
  }

  async #retireJobs(jobIds: readonly string[], reason: string, initiator: Initiator): Promise<void> {
    if (jobIds.length === 0) return;
    const { system, jobs, log } = this.#context;
    const workers = jobIds.flatMap((jobId) => jobs.retire(jobId));
    if (workers.length > 0) this.#context.scheduler()?.retireWorkers(workers, `${reason}: job retired`);
    log.info(`retiring job${jobIds.length === 1 ? '' : 's'} ${jobIds.join(', ')} (${reason})`);
    try {
      await cancelJobs(system, jobIds, this.#context.commandOptions());
    } catch (error) {
      if (initiator === 'user') throw error;
      log.error(`cancelling job(s) ${jobIds.join(', ')} failed (close() tries again): ${(error as Error).message}`);
    }
  }

  #retirementCandidates(jobIds: readonly string[]): RetirementCandidate[] {
    const jobs = this.#context.jobs.snapshot();
    const scheduler = this.#context.scheduler();
    return jobIds.map((jobId) => {
      const job = jobs.get(jobId);
      const records = (job?.workers ?? []).map((name) => scheduler?.view.workerByName(name)).filter((r) => r !== undefined);
      return {
        jobId,
        connectedEver: (job?.workersSeen ?? 0) > 0,
        processingTasks: records.reduce((sum, record) => sum + record.processing.size, 0),
        storedResults: records.reduce((sum, record) => sum + record.hasWhat.size, 0),
        submittedAt: job?.submittedAt ?? 0,
      };
    });
  }

  #serialized<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
