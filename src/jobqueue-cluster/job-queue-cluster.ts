/**
 * `JobQueueCluster`: a scheduler in the calling process (usually on a login node) whose workers run in
 * batch jobs. It writes one job script per job from the job-queue core, submits it, follows each job
 * (status command + workers registering with their job id), scales in whole jobs, replaces jobs whose
 * workers retired, and on `close()` cancels every job it submitted and checks that none is left.
 * This class starts and stops the scheduler, the dashboard and the status polling; how many jobs to
 * have and how to get there is `JobScaler`'s part.
 */
import { mkdirSync } from 'node:fs';
import type { inspect, InspectOptionsStylized } from 'node:util';
import { delimiter, resolve } from 'node:path';
import type { ClusterHandle } from '../cluster/cluster-handle.js';
import { defaultDashboardAddress, parseDashboardAddress, startDashboard, type Dashboard } from '../dashboard/index.js';
import { ConfigurationError } from '../errors/index.js';
import { BUILT_IN_SYSTEMS } from '../../cluster-adapters/index.js';
import {
  buildJobScript,
  checkBatchSystem,
  jobHeader,
  resolveJobOptions,
  type BatchSystem,
  type JobQueueOptions,
  type JobCommandOptions,
  type JobTransition,
  type ResolveContext,
  type ResolvedJobOptions,
} from '../jobqueue/index.js';
import { SchedulerServer } from '../scheduler/server.js';
import type { MessageLink } from '../transport/local-link.js';
import type { CurveCredentials } from '../transport/security.js';
import { Logger } from '../util/logger.js';
import { inspectCustom, inspectSummary, workerTotals, type WorkerTotals } from '../util/inspect-summary.js';
import { jobQueueClusterFields } from './cluster-summary.js';
import type { Adaptive } from './adaptive.js';
import { ClusterJobs, type ClusterJob } from './cluster-jobs.js';
import { registerExitCleanup } from './exit-cleanup.js';
import { cancelUntilGone, cleanupError, type CleanupOutcome } from './job-cleanup.js';
import { JobScaler } from './job-scaler.js';
import {
  CLUSTER_OPTION_KEYS,
  resolveAdaptOptions,
  resolveClusterOptions,
  type AdaptOptions,
  type JobQueueClusterOptions,
  type ResolvedClusterOptions,
  type ScaleRequest,
} from './options.js';
import { schedulerListenAddress } from './scheduler-host.js';
import { jobsForRequest } from './scaling.js';
import { removeClusterCredentials, writeClusterCredentials } from './security-file.js';

/** Shown in `jobScript()` before the scheduler listens (`await cluster.ready` to see the real address). */
export const SCHEDULER_ADDRESS_PLACEHOLDER = 'tcp://<scheduler-address-once-ready>';

/**
 * The base of every job-queue cluster class (`SLURMCluster`, `SGECluster`, … are made from it by
 * `clusterClass(adapter)`). See the module comment.
 * @typeParam O - the job options of its batch system.
 * @example
 * ```ts
 * const cluster: JobQueueCluster = new SLURMCluster({ cores: 8, memory: '16 GB', walltime: '01:00:00' });
 * const client = await Client.connect(cluster);
 * await cluster.scale(4); // four workers, in whole jobs
 * ```
 */
export class JobQueueCluster<O extends JobQueueOptions = JobQueueOptions> implements ClusterHandle {
  /** Resolves when the scheduler listens and the jobs for `nWorkers` are submitted (not when their workers joined). */
  readonly ready: Promise<void>;
  /** The batch system the jobs go to. */
  readonly system: BatchSystem<O>;
  /** The job options after resolution (constructor, config file, environment, defaults). */
  readonly jobOptions: ResolvedJobOptions<O>;
  /** The cluster options with defaults filled in. */
  readonly clusterOptions: ResolvedClusterOptions;
  /** The cluster name, prefix of its worker names. */
  readonly name: string;
  /** This cluster's logger. */
  readonly log: Logger;
  /** The CURVE keys clients need (undefined with `security: false`). */
  readonly security: CurveCredentials | undefined;
  /** The credentials file the workers read (mode 0600; undefined with `security: false`). */
  readonly securityFile: string | undefined;

  readonly #jobs: ClusterJobs;
  readonly #commandEnv: NodeJS.ProcessEnv | undefined;
  readonly #schedulerStarted: Promise<SchedulerServer>;
  #scheduler: SchedulerServer | undefined;
  readonly #scaler: JobScaler;
  #pollTimer: NodeJS.Timeout | undefined;
  #pollRunning: Promise<void> = Promise.resolve();
  #statusPolls = 0;
  #dashboard: Dashboard | undefined;
  readonly #dashboardAddress: string | number | false | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  readonly #unregisterExitCleanup: () => void;

  /**
   * Resolves the options, writes the credentials file and starts the scheduler (see `ready`).
   * @param system - the batch system adapter, e.g. `slurm` from `cluster-adapters`.
   * @param options - job options (see `JobQueueOptions` and the system's own) and cluster options.
   * @param context - where options are read from (config file, environment, working directory), for tests and
   * embedding. Its `systems` default to the built-in adapters.
   * @throws ConfigurationError for a missing batch system, an unknown or invalid option (naming it and the fix),
   * or an unwritable shared directory.
   */
  constructor(
    system: BatchSystem<O>,
    options: Readonly<O & JobQueueClusterOptions> = {} as Readonly<O & JobQueueClusterOptions>,
    context: ResolveContext = {},
  ) {
    const className = context.constructorName ?? (new.target === JobQueueCluster ? undefined : new.target.name);
    JobQueueCluster.checkSystem(system, className === undefined ? 'new JobQueueCluster(…)' : `new ${className}(…)`);
    this.system = system;
    this.jobOptions = resolveJobOptions(system, options, {
      systems: BUILT_IN_SYSTEMS,
      ...context,
      constructorName: className ?? system.clusterName,
      otherKeys: [...(context.otherKeys ?? []), ...CLUSTER_OPTION_KEYS],
    });
    this.clusterOptions = resolveClusterOptions(options, className ?? system.clusterName);
    this.#dashboardAddress = this.jobOptions.schedulerDashboardAddress ?? options.dashboardAddress;
    if (this.#dashboardAddress !== undefined && this.#dashboardAddress !== false) parseDashboardAddress(this.#dashboardAddress);
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
    this.#scaler = new JobScaler({
      system,
      jobOptions: this.jobOptions,
      jobs: this.#jobs,
      log: this.log,
      maxConsecutiveJobFailures: this.clusterOptions.maxConsecutiveJobFailures,
      jobScript: () => this.jobScript(),
      commandOptions: () => this.#commandOptions(),
      scheduler: () => this.#scheduler,
      closing: () => this.#closing !== undefined,
    });
    this.#schedulerStarted = this.#startScheduler();
    this.ready = this.#schedulerStarted.then(async () => {
      if (this.clusterOptions.nWorkers > 0) {
        await this.#scaler.scaleTo(jobsForRequest(this.clusterOptions.nWorkers, this.jobOptions));
      }
    });
    // Whoever awaits `ready` sees the failure; this keeps an unawaited cluster from crashing the process.
    this.ready.catch(() => undefined);
  }

  /**
   * Checks that a cluster is given a batch-system adapter (and not, say, its options in its place).
   * @throws ConfigurationError naming `caller` and what it lacks, with the calls that work.
   */
  static checkSystem(system: unknown, caller: string): void {
    checkBatchSystem(system, caller);
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

  /** The scheduler's status page (with `?token=…` off loopback); undefined when `dashboardAddress` is false. */
  get dashboardLink(): string | undefined {
    return this.#dashboard?.url;
  }

  /** Every job this cluster submitted, by id: state (pending, running, finished, failed), workers, output files. */
  get jobs(): ReadonlyMap<string, ClusterJob> {
    return this.#jobs.snapshot();
  }

  /**
   * Submissions that may have created a job whose id was not found in the submit command's output (or
   * whose command timed out). Such a job is adopted when one of its workers connects with its job id,
   * and is then tracked and cancelled on close like the others.
   */
  get unidentifiedSubmissions(): number {
    return this.#scaler.unidentifiedSubmissions;
  }

  /**
   * Status polls run to their end so far: the status command, the job transitions it showed, and the
   * job count met again afterwards (a failed status command counts too). Proof that the cluster looked.
   */
  get statusPolls(): number {
    return this.#statusPolls;
  }

  /** Workers connected to the scheduler now. */
  get workerCount(): number {
    return this.#scheduler?.workerCount ?? 0;
  }

  /** Workers registered with the scheduler now, their task threads and memory limits. */
  workerTotals(): WorkerTotals {
    return workerTotals(this.#scheduler?.workerSummaries() ?? []);
  }

  /** What `console.log(cluster)` and a notebook cell print: scheduler, status, jobs by state, workers, threads, memory, dashboard. */
  [inspectCustom](depth: number, options: InspectOptionsStylized, inspectFn: typeof inspect): string {
    const status = this.#closed ? 'closed' : this.#closing ? 'closing' : this.#scheduler ? 'running' : 'starting';
    const fields = jobQueueClusterFields({
      name: this.name, scheduler: this.#scheduler?.address, status, jobStates: [...this.jobs.values()].map((job) => job.state),
      totals: this.workerTotals(), dashboard: this.dashboardLink,
    });
    return inspectSummary(this.constructor.name, fields, depth, options, inspectFn);
  }

  /** The adaptive scaling loop, while `adapt()` is on. */
  get adaptive(): Adaptive | undefined {
    return this.#scaler.adaptive;
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
    if (await this.#scaler.stopAdaptive()) this.log.info('adaptive scaling stopped by scale()');
    this.#scaler.resumeSubmissions();
    await this.#scaler.scaleTo(jobs);
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
    return this.#scaler.adapt(resolveAdaptOptions(options, this.jobOptions.processes), this.#schedulerStarted);
  }

  /** For time-out messages (`client.waitForWorkers`): the jobs queued, running and ended early. */
  describeWorkers(): string {
    const paused = this.#scaler.paused === undefined ? '' : `; not submitting jobs on its own: ${this.#scaler.paused}`;
    const unknown = this.#scaler.unidentifiedSubmissions;
    const unidentified = unknown === 0 ? '' : `; ${unknown} submission${unknown === 1 ? '' : 's'} whose job id is not known yet`;
    return `${this.name}: ${this.#jobs.describe()}${paused}${unidentified}`;
  }

  /** @internal A link for a client in this process that skips the network hop (used by `Client.connect`). */
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
    this.#closing ??= this.#close().finally(() => (this.#closed = true));
    return this.#closing;
  }

  async #startScheduler(): Promise<SchedulerServer> {
    const host = await schedulerListenAddress({ host: this.jobOptions.schedulerHost, interface: this.jobOptions.schedulerInterface });
    const scheduler = await SchedulerServer.start({
      host,
      port: this.jobOptions.schedulerPort,
      ...(this.security === undefined ? {} : { security: this.security }),
      ...(this.clusterOptions.allowedFailures === undefined ? {} : { allowedFailures: this.clusterOptions.allowedFailures }),
    });
    this.#scheduler = scheduler;
    this.#dashboard = await startDashboard(scheduler, {
      address: this.#dashboardAddress ?? defaultDashboardAddress(),
      log: (line) => this.log.warn(line),
      jobs: () => [...this.jobs.values()].map((job) => ({ jobId: job.jobId, state: job.state, ...(job.native ? { native: job.native } : {}) })),
    });
    scheduler.on('worker-added', (worker) => this.#scaler.onWorkerAdded(worker));
    scheduler.on('worker-removed', (worker, reason) => this.#scaler.onWorkerRemoved(worker, reason));
    // A worker retired on purpose (client.retireWorkers) leaves for good: its job is not replaced.
    scheduler.on('worker-retired', (name) => this.#scaler.onWorkerRetired(name));
    this.#schedulePoll();
    this.log.info(`scheduler listening at ${scheduler.address}${this.security ? ' (CURVE authentication on)' : ''}`);
    return scheduler;
  }

  #schedulePoll(): void {
    if (this.#closing !== undefined) return;
    this.#pollTimer = setTimeout(() => {
      this.#pollRunning = this.#pollOnce().finally(() => {
        this.#statusPolls += 1;
        this.#schedulePoll();
      });
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
    for (const transition of transitions) this.#scaler.onTransition(transition);
    if (this.#closing !== undefined) return;
    await this.#scaler.reconcile();
  }

  #commandOptions(): JobCommandOptions {
    return this.#commandEnv === undefined ? { job: this.jobOptions } : { job: this.jobOptions, env: this.#commandEnv };
  }

  #checkOpen(what: string): void {
    if (this.#closing !== undefined) {
      throw new ConfigurationError(`${what} was called after close() on ${this.name}; create a new cluster instead.`);
    }
  }

  async #close(): Promise<void> {
    await this.#scaler.stopAdaptive();
    if (this.#pollTimer !== undefined) clearTimeout(this.#pollTimer);
    await this.#pollRunning;
    await this.ready.catch(() => undefined);
    await this.#scaler.settled;
    const active = this.#jobs.tracker.activeJobIds();
    const workers = active.flatMap((jobId) => this.#jobs.retire(jobId));
    if (workers.length > 0) this.#scheduler?.retireWorkers(workers, 'cluster closing');
    let outcome: CleanupOutcome;
    try {
      outcome = await cancelUntilGone(this.system, this.#jobs.tracker, active, {
        commandOptions: this.#commandOptions(),
        timeoutMs: this.clusterOptions.closeTimeoutMs,
        onTransition: (transition) => this.#scaler.onTransition(transition),
      });
    } finally {
      await this.#dashboard?.close();
      await this.#scheduler?.close();
      if (this.securityFile !== undefined) removeClusterCredentials(this.securityFile);
      this.#unregisterExitCleanup();
    }
    const unknown = this.#scaler.unidentifiedSubmissions;
    if (unknown > 0) {
      this.log.error(
        `${unknown} submission${unknown === 1 ? '' : 's'} may have created a job whose id was never found (no worker of it connected): ` +
          `look for jobs named ${this.jobOptions.jobName} in the queue and cancel them by hand.`,
      );
    }
    if (outcome.left.length > 0) throw cleanupError(this.name, this.system, this.jobOptions, outcome, this.clusterOptions.closeTimeoutMs);
  }
}

/** `process.env` with `commandPath` in front of PATH, or undefined when there is nothing to add. */
function commandEnvironment(commandPath: readonly string[]): NodeJS.ProcessEnv | undefined {
  if (commandPath.length === 0) return undefined;
  return { ...process.env, PATH: [...commandPath, process.env.PATH ?? ''].filter((entry) => entry !== '').join(delimiter) };
}
