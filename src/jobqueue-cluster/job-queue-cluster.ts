/**
 * `JobQueueCluster`: a scheduler in the calling process (usually on a login node) whose workers run in
 * batch jobs. It writes one job script per job from the job-queue core, submits it, follows each job
 * (status command + workers registering with their job id), scales in whole jobs, replaces jobs whose
 * workers retired, and on `close()` cancels every job it submitted and checks that none is left.
 */
import { defaultDashboardAddress, parseDashboardAddress, startDashboard, type Dashboard } from '../dashboard/index.js';
import { mkdirSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { ConfigurationError } from '../errors/index.js';
import {
  buildJobScript,
  cancelJobs,
  jobHeader,
  resolveJobOptions,
  submitJob,
  type AnyJobOptions,
  type BatchSystem,
  type JobCommandOptions,
  type JobTransition,
  type ResolveContext,
  type ResolvedJobOptions,
} from '../jobqueue/index.js';
import type { WorkerSummary } from '../protocol/messages.js';
import { SchedulerServer } from '../scheduler/server.js';
import type { MessageLink } from '../transport/local-link.js';
import type { CurveCredentials } from '../transport/security.js';
import { Logger } from '../util/logger.js';
import type { ClusterHandle } from '../cluster/cluster-handle.js';
import { Adaptive, AdaptiveHysteresis, adaptiveJobTarget, readWorkload } from './adaptive.js';
import { ClusterJobs, type ClusterJob } from './cluster-jobs.js';
import { cancelUntilGone, cleanupError, type CleanupOutcome } from './job-cleanup.js';
import { registerExitCleanup } from './exit-cleanup.js';
import {
  CLUSTER_OPTION_KEYS,
  resolveAdaptOptions,
  resolveClusterOptions,
  type AdaptOptions,
  type JobQueueClusterOptions,
  type ResolvedAdaptOptions,
  type ResolvedClusterOptions,
  type ScaleRequest,
} from './options.js';
import { schedulerListenAddress } from './scheduler-host.js';
import { jobsForRequest, pickJobsToRetire, type RetirementCandidate } from './scaling.js';
import { removeClusterCredentials, writeClusterCredentials } from './security-file.js';

/** Shown in `jobScript()` before the scheduler listens (`await cluster.ready` to see the real address). */
export const SCHEDULER_ADDRESS_PLACEHOLDER = 'tcp://<scheduler-address-once-ready>';

/** Who asked for a change: a user call (errors are thrown) or the cluster itself (errors are logged). */
type Initiator = 'user' | 'cluster';

/** The base of `SLURMCluster`, `SGECluster`, `PBSCluster`, `LSFCluster` and `LocalJobCluster`. See the module comment. */
export class JobQueueCluster implements ClusterHandle {
  /** Resolves when the scheduler listens and the jobs for `nWorkers` are submitted (not when their workers joined). */
  readonly ready: Promise<void>;
  /** The batch system the jobs go to. */
  readonly system: BatchSystem;
  /** The job options after resolution (constructor, config file, environment, defaults). */
  readonly jobOptions: ResolvedJobOptions;
  /** The cluster options with defaults filled in. */
  readonly clusterOptions: ResolvedClusterOptions;
  /** The cluster name, prefix of its worker names. */
  readonly name: string;
  readonly log: Logger;
  /** The CURVE keys clients need (undefined with `security: false`). */
  readonly security: CurveCredentials | undefined;
  /** The credentials file the workers read (mode 0600; undefined with `security: false`). */
  readonly securityFile: string | undefined;

  readonly #jobs: ClusterJobs;
  readonly #commandEnv: NodeJS.ProcessEnv | undefined;
  readonly #schedulerStarted: Promise<SchedulerServer>;
  #scheduler: SchedulerServer | undefined;
  /** Jobs the cluster should have (whole jobs), set by scale() and adapt(). */
  #targetJobs = 0;
  /** Jobs in a row that ended before their workers connected. */
  #failureStreak = 0;
  /** Why the cluster stopped submitting jobs on its own, if it did. */
  #paused: string | undefined;
  /** Scaling operations run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();
  #pollTimer: NodeJS.Timeout | undefined;
  #pollRunning: Promise<void> = Promise.resolve();
  #adaptive: Adaptive | undefined;
  #dashboard: Dashboard | undefined;
  readonly #dashboardAddress: string | number | false | undefined;
  #closing: Promise<void> | undefined;
  /** Workers that registered with a job id before its submission returned, by job id. */
  readonly #early = new Map<string, WorkerSummary[]>();
  #submissionsInFlight = 0;
  readonly #unregisterExitCleanup: () => void;

  /**
   * Resolves the options, writes the credentials file and starts the scheduler (see `ready`).
   * @param system - the batch system adapter, e.g. `slurm` from `cluster-adapters`.
   * @param options - job options (see `JobQueueOptions` and the system's own) and cluster options.
   * @param context - where options are read from (config file, environment, working directory), for tests and embedding.
   * @throws ConfigurationError for an unknown or invalid option (naming it and the fix), or an unwritable shared directory.
   */
  constructor(
    system: BatchSystem,
    options: Readonly<Partial<AnyJobOptions> & JobQueueClusterOptions> = {},
    context: ResolveContext = {},
  ) {
    const className = context.constructorName ?? (new.target === JobQueueCluster ? system.clusterName : new.target.name);
    this.system = system;
    this.jobOptions = resolveJobOptions(system, options, {
      ...context,
      constructorName: className,
      otherKeys: [...(context.otherKeys ?? []), ...CLUSTER_OPTION_KEYS],
    });
    this.clusterOptions = resolveClusterOptions(options, className);
    this.#dashboardAddress = options.dashboardAddress;
    if (options.dashboardAddress !== undefined && options.dashboardAddress !== false) parseDashboardAddress(options.dashboardAddress);
    this.name = this.jobOptions.name;
    this.log = new Logger(this.name);
    this.#commandEnv = commandEnvironment(this.clusterOptions.commandPath);
    mkdirSync(this.jobOptions.logDirectory, { recursive: true });
    if (this.clusterOptions.security) {
      const directory = resolve(this.jobOptions.cwd, this.clusterOptions.sharedDirectory ?? this.jobOptions.logDirectory);
      const written = writeClusterCredentials(directory, this.name);
      this.security = written.credentials;
      this.securityFile = written.path;
    }
    this.#jobs = new ClusterJobs(system, this.jobOptions, this.#commandEnv === undefined ? {} : { env: this.#commandEnv });
    this.#unregisterExitCleanup = registerExitCleanup({
      cancelCommand: () => {
        const ids = this.#jobs.tracker.activeJobIds();
        return ids.length === 0 ? undefined : system.cancelCommand(ids, this.jobOptions);
      },
      env: this.#commandEnv,
      cwd: this.jobOptions.cwd,
      securityFile: this.securityFile,
    });
    this.#schedulerStarted = this.#startScheduler();
    this.ready = this.#schedulerStarted.then(async () => {
      if (this.clusterOptions.nWorkers > 0) {
        await this.#serialized(() => this.#scaleTo(jobsForRequest(this.clusterOptions.nWorkers, this.jobOptions), 'user'));
      }
    });
    // Whoever awaits `ready` sees the failure; this keeps an unawaited cluster from crashing the process.
    this.ready.catch(() => undefined);
  }

  /** `tcp://host:port` of the scheduler, once `ready`. */
  get schedulerAddress(): string {
    return this.scheduler.address;
  }

  /** The scheduler running in this process, once `ready`. */
  get scheduler(): SchedulerServer {
    if (this.#scheduler === undefined) {
      throw new ConfigurationError(`${this.name} has not started its scheduler yet: await cluster.ready first.`);
    }
    return this.#scheduler;
  }

  /** The directive lines of every job script. */
  get jobHeader(): string {
    return jobHeader(this.system, this.jobOptions);
  }

  /**
   * The job script exactly as it is submitted (before `ready`, the scheduler address is a placeholder).
   * Each job names its workers `<name>-<job id>` (and `-0`, `-1`, … with several processes).
   */
  jobScript(): string {
    const address = this.#scheduler?.address ?? SCHEDULER_ADDRESS_PLACEHOLDER;
    return buildJobScript(this.system, this.jobOptions, address, this.securityFile === undefined ? {} : { securityFile: this.securityFile });
  }

  /** Every job this cluster submitted, by id: state (pending, running, finished, failed), workers, output files. */
  /** The scheduler's status page (with `?token=…` off loopback); undefined when `dashboardAddress` is false. */
  get dashboardLink(): string | undefined {
    return this.#dashboard?.url;
  }

  get jobs(): ReadonlyMap<string, ClusterJob> {
    return this.#jobs.snapshot();
  }

  /** Workers connected to the scheduler now. */
  get workerCount(): number {
    return this.#scheduler?.workerCount ?? 0;
  }

  /** The adaptive scaling loop, while `adapt()` is on. */
  get adaptive(): Adaptive | undefined {
    return this.#adaptive?.active === true ? this.#adaptive : undefined;
  }

  /**
   * Asks for `n` workers, or for `{ workers, jobs, cores, memory }` (the largest wins), in whole jobs:
   * submits jobs, or retires the surplus (jobs whose workers never connected first, then the least busy;
   * a job's workers are retired together and the job is cancelled). Resolves when the jobs are submitted
   * or cancelled, not when workers joined (use `client.waitForWorkers`). Stops `adapt()`.
   * Jobs whose workers retire at the end of their lifetime are replaced while the cluster wants them.
   * @throws JobSubmissionError when the batch system refuses a job (command, exit code, stdout, stderr).
   * @throws ConfigurationError for a negative or fractional count, or after `close()`.
   */
  async scale(request: number | ScaleRequest): Promise<void> {
    const jobs = jobsForRequest(request, this.jobOptions);
    this.#checkOpen('scale()');
    await this.#schedulerStarted;
    if (this.#adaptive !== undefined) {
      const adaptive = this.#adaptive;
      this.#adaptive = undefined;
      await adaptive.stop();
      this.log.info('adaptive scaling stopped by scale()');
    }
    this.#resumeSubmissions();
    await this.#serialized(() => this.#scaleTo(jobs, 'user'));
  }

  /**
   * Scales with the work: up at once when tasks wait and no worker is free, down after `waitCount`
   * checks in a row found too many jobs, always in whole jobs. Only idle jobs are retired: none of
   * their workers runs a task or holds a result (release futures you no longer need, or the workers
   * holding them stay). Jobs whose workers retired (lifetime) are replaced while work remains.
   * Replaces an earlier `adapt()`; `scale()` stops it.
   * @returns the loop's handle (`stop()`).
   * @throws ConfigurationError for inconsistent limits, or after `close()`.
   */
  adapt(options: AdaptOptions = {}): Adaptive {
    this.#checkOpen('adapt()');
    const resolved = resolveAdaptOptions(options, this.jobOptions.processes);
    if (this.#adaptive !== undefined) void this.#adaptive.stop();
    this.#resumeSubmissions();
    const hysteresis = new AdaptiveHysteresis(resolved.waitCount);
    const adaptive: Adaptive = new Adaptive(
      resolved,
      () => this.#adaptCheck(adaptive, resolved, hysteresis),
      (error) => this.log.error(`adaptive scaling check failed: ${(error as Error).message}`),
    );
    this.#adaptive = adaptive;
    return adaptive;
  }

  /** For time-out messages (`client.waitForWorkers`): the jobs queued, running and ended early. */
  describeWorkers(): string {
    const paused = this.#paused === undefined ? '' : `; not submitting jobs on its own: ${this.#paused}`;
    return `${this.name}: ${this.#jobs.describe()}${paused}`;
  }

  /** A link for a client in this process (no network hop). */
  openLocalLink(routingId: string): MessageLink {
    return this.scheduler.openLocalLink(routingId);
  }

  /**
   * Retires every worker, cancels every job this cluster submitted, checks with the status command that
   * none is left (for up to `closeTimeoutMs`), stops the scheduler and removes the credentials file.
   * Calling it again returns the same promise.
   * @throws JobCleanupError when jobs are still listed when the time runs out (everything else is closed).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // ------------------------------------------------------------------ start and events

  async #startScheduler(): Promise<SchedulerServer> {
    const host = await schedulerListenAddress(this.jobOptions);
    const scheduler = await SchedulerServer.start({
      host,
      port: this.clusterOptions.schedulerPort,
      ...(this.security === undefined ? {} : { security: this.security }),
      ...(this.clusterOptions.allowedFailures === undefined ? {} : { allowedFailures: this.clusterOptions.allowedFailures }),
    });
    this.#scheduler = scheduler;
    this.#dashboard = await startDashboard(scheduler, {
      address: this.#dashboardAddress ?? defaultDashboardAddress(),
      log: (line) => this.log.warn(line),
      jobs: () => [...this.jobs.values()].map((job) => ({ jobId: job.jobId, state: job.state, ...(job.native ? { native: job.native } : {}) })),
    });
    scheduler.on('worker-added', (worker) => this.#onWorkerAdded(worker));
    scheduler.on('worker-removed', (worker, reason) => this.#onWorkerRemoved(worker, reason));
    this.#schedulePoll();
    this.log.info(`scheduler listening at ${scheduler.address}${this.security ? ' (CURVE authentication on)' : ''}`);
    return scheduler;
  }

  #onWorkerAdded(worker: WorkerSummary): void {
    const jobId = worker.jobId;
    if (jobId === undefined) {
      this.log.warn(`worker ${worker.name} registered without a job id; it is used, but cannot be matched to a job`);
      return;
    }
    if (!this.#jobs.has(jobId)) {
      if (this.#submissionsInFlight > 0) {
        // Its job's submission may not have returned yet; matched in #submitOne.
        this.#early.set(jobId, [...(this.#early.get(jobId) ?? []), worker]);
      } else {
        this.log.warn(`worker ${worker.name} registered with job id ${jobId}, which this cluster did not submit; it is used, but not counted`);
      }
      return;
    }
    const { transition, retired } = this.#jobs.workerJoined(jobId, worker.name);
    this.#failureStreak = 0;
    if (transition !== undefined) this.log.info(transition.message);
    if (retired || this.#closing !== undefined) this.#scheduler?.retireWorkers([worker.name], `job ${jobId} was retired`);
  }

  #onWorkerRemoved(worker: WorkerSummary, reason: string): void {
    const jobId = this.#jobs.workerLeft(worker.name);
    if (jobId === undefined || this.#closing !== undefined) return;
    const job = this.#jobs.snapshot().get(jobId);
    if (job === undefined || job.retired || job.workers.length > 0) return;
    this.log.info(`all workers of job ${jobId} left (${reason})`);
    void this.#serialized(() => this.#reconcile('cluster')).catch((error: unknown) => this.log.error((error as Error).message));
  }

  #schedulePoll(): void {
    if (this.#closing !== undefined) return;
    this.#pollTimer = setTimeout(() => {
      this.#pollRunning = this.#pollOnce().finally(() => this.#schedulePoll());
    }, this.clusterOptions.statusPollMs);
    this.#pollTimer.unref();
  }

  async #pollOnce(): Promise<void> {
    let transitions: JobTransition[];
    try {
      transitions = await this.#jobs.tracker.poll();
    } catch (error) {
      this.log.warn(`the status command failed; will try again in ${this.clusterOptions.statusPollMs} ms: ${(error as Error).message}`);
      return;
    }
    for (const transition of transitions) this.#onTransition(transition);
    if (this.#closing !== undefined) return;
    await this.#serialized(() => this.#reconcile('cluster')).catch((error: unknown) => this.log.error((error as Error).message));
  }

  #onTransition(transition: JobTransition): void {
    if (!transition.endedBeforeWorkersConnected) {
      this.log.info(transition.message);
      return;
    }
    this.log.warn(transition.message);
    this.#failureStreak += 1;
    if (this.#failureStreak >= this.clusterOptions.maxConsecutiveJobFailures && this.#paused === undefined) {
      this.#paused = `${this.#failureStreak} job${this.#failureStreak === 1 ? '' : 's'} in a row ended before their workers connected (last: ${transition.message})`;
      this.log.error(
        `${this.#paused}. Not submitting replacement jobs until the next scale() or adapt() call; check cluster.jobScript() and the output files.`,
      );
    }
  }

  // ------------------------------------------------------------------ scaling

  async #adaptCheck(adaptive: Adaptive, options: ResolvedAdaptOptions, hysteresis: AdaptiveHysteresis): Promise<void> {
    const scheduler = await this.#schedulerStarted;
    await this.#serialized(async () => {
      if (this.#closing !== undefined || this.#adaptive !== adaptive || !adaptive.active) return;
      const counted = this.#jobs.countedJobIds().length;
      const target = adaptiveJobTarget(readWorkload(scheduler.state), counted, this.jobOptions, options);
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
    if (this.#closing !== undefined) return;
    const counted = this.#jobs.countedJobIds();
    if (counted.length > this.#targetJobs) {
      // While adapting, only idle jobs go (no task running, no result held): see pickJobsToRetire.
      const idleOnly = initiator === 'cluster' && this.adaptive !== undefined;
      const victims = pickJobsToRetire(this.#retirementCandidates(counted), counted.length - this.#targetJobs, idleOnly);
      await this.#retireJobs(victims, initiator === 'user' ? 'scaled down' : 'adaptive scale-down', initiator);
      return;
    }
    if (initiator === 'cluster' && this.#paused !== undefined) return;
    for (let missing = this.#targetJobs - counted.length; missing > 0; missing--) {
      if (this.#closing !== undefined) return;
      try {
        await this.#submitOne();
      } catch (error) {
        if (initiator === 'user') {
          // Keep the target at what exists, so that the cluster does not retry a refused submission on its own.
          this.#targetJobs = this.#jobs.countedJobIds().length;
          throw error;
        }
        this.#paused = `submitting a job failed: ${(error as Error).message}`;
        this.log.error(`${this.#paused}. Not submitting jobs on its own until the next scale() or adapt() call.`);
        return;
      }
    }
  }

  async #submitOne(): Promise<string> {
    this.#submissionsInFlight += 1;
    let jobId: string;
    try {
      jobId = await submitJob(this.system, this.jobScript(), this.#commandOptions());
    } finally {
      this.#submissionsInFlight -= 1;
    }
    this.#jobs.add(jobId);
    this.log.info(`submitted job ${jobId}`);
    const early = this.#early.get(jobId);
    this.#early.delete(jobId);
    for (const worker of early ?? []) this.#onWorkerAdded(worker);
    if (this.#submissionsInFlight === 0) this.#early.clear(); // workers of no job of ours
    return jobId;
  }

  async #retireJobs(jobIds: readonly string[], reason: string, initiator: Initiator): Promise<void> {
    if (jobIds.length === 0) return;
    const workers = jobIds.flatMap((jobId) => this.#jobs.retire(jobId));
    if (workers.length > 0) this.#scheduler?.retireWorkers(workers, `${reason}: job retired`);
    this.log.info(`retiring job${jobIds.length === 1 ? '' : 's'} ${jobIds.join(', ')} (${reason})`);
    try {
      await cancelJobs(this.system, jobIds, this.#commandOptions());
    } catch (error) {
      if (initiator === 'user') throw error;
      this.log.error(`cancelling job(s) ${jobIds.join(', ')} failed (close() tries again): ${(error as Error).message}`);
    }
  }

  #retirementCandidates(jobIds: readonly string[]): RetirementCandidate[] {
    const jobs = this.#jobs.snapshot();
    return jobIds.map((jobId) => {
      const job = jobs.get(jobId);
      const records = (job?.workers ?? []).map((name) => this.#scheduler?.state.workerByName(name)).filter((r) => r !== undefined);
      return {
        jobId,
        connectedEver: (job?.workersSeen ?? 0) > 0,
        processingTasks: records.reduce((sum, record) => sum + record.processing.size, 0),
        storedResults: records.reduce((sum, record) => sum + record.hasWhat.size, 0),
        submittedAt: job?.submittedAt ?? 0,
      };
    });
  }

  #resumeSubmissions(): void {
    if (this.#paused !== undefined) this.log.info(`submitting jobs again (was paused: ${this.#paused})`);
    this.#paused = undefined;
    this.#failureStreak = 0;
  }

  #serialized<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #commandOptions(): JobCommandOptions {
    return this.#commandEnv === undefined ? { job: this.jobOptions } : { job: this.jobOptions, env: this.#commandEnv };
  }

  #checkOpen(what: string): void {
    if (this.#closing !== undefined) {
      throw new ConfigurationError(`${what} was called after close() on ${this.name}; create a new cluster instead.`);
    }
  }

  // ------------------------------------------------------------------ closing

  async #close(): Promise<void> {
    if (this.#adaptive !== undefined) await this.#adaptive.stop();
    if (this.#pollTimer !== undefined) clearTimeout(this.#pollTimer);
    await this.#pollRunning;
    await this.ready.catch(() => undefined);
    await this.#queue;
    const active = this.#jobs.tracker.activeJobIds();
    const workers = active.flatMap((jobId) => this.#jobs.retire(jobId));
    if (workers.length > 0) this.#scheduler?.retireWorkers(workers, 'cluster closing');
    let outcome: CleanupOutcome;
    try {
      outcome = await cancelUntilGone(this.system, this.#jobs.tracker, active, {
        commandOptions: this.#commandOptions(),
        timeoutMs: this.clusterOptions.closeTimeoutMs,
        onTransition: (transition) => this.#onTransition(transition),
      });
    } finally {
      await this.#dashboard?.close();
      await this.#scheduler?.close();
      if (this.securityFile !== undefined) removeClusterCredentials(this.securityFile);
      this.#unregisterExitCleanup();
    }
    if (outcome.left.length > 0) throw cleanupError(this.name, this.system, this.jobOptions, outcome, this.clusterOptions.closeTimeoutMs);
  }
}

/** `process.env` with `commandPath` in front of PATH, or undefined when there is nothing to add. */
function commandEnvironment(commandPath: readonly string[]): NodeJS.ProcessEnv | undefined {
  if (commandPath.length === 0) return undefined;
  return { ...process.env, PATH: [...commandPath, process.env.PATH ?? ''].filter((entry) => entry !== '').join(delimiter) };
}
