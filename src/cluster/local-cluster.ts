/**
 * A cluster on this machine: the scheduler runs in the calling process, workers run as child processes
 * (or inside this process with `processes: false`). A worker process that dies is replaced; closing
 * leaves no child process and no bound port; if this process is killed, the workers notice and exit.
 *
 * Only its owner can reach it. By default the scheduler and the workers' data services listen on Unix
 * sockets (`ipc://`) in a directory of mode 0700, which other local users cannot enter; given a `host`
 * or `schedulerPort`, they listen on TCP and require this cluster's CURVE keys, which the workers read
 * from a 0600 file in that directory.
 */
import type { ChildProcess } from 'node:child_process';
import { ConfigurationError } from '../errors/index.js';
import { SchedulerServer } from '../scheduler/server.js';
import { defaultDashboardAddress, startDashboard, type Dashboard } from '../dashboard/index.js';
import { Logger } from '../util/logger.js';
import { WorkerNode } from '../worker/worker.js';
import type { ClusterHandle } from './cluster-handle.js';
import { PrivateDirectory } from './private-directory.js';
import { makeCurveCredentials, writeCredentialsFile, type CurveCredentials } from '../transport/security.js';
import type { MessageLink } from '../transport/local-link.js';
import type { LocalClusterOptions } from './local-cluster-options.js';
import type { inspect, InspectOptionsStylized } from 'node:util';
import { formatBytes, inspectCustom, inspectSummary, workerTotals, type WorkerTotals } from '../util/inspect-summary.js';
import { secondClusterNotice } from './second-cluster-notice.js';
import { checkCount, resolveSettings, type ResolvedOptions } from './cluster-settings.js';
import { waitForJoin } from './join-wait.js';
import { spawnWorkerProcess, stopWorkerProcess } from './worker-process.js';
import { howItEnded, keepStderr, MAX_FAILED_STARTS, newSlot, recordStart, restartDelayMs, startFailure, type WorkerSlot } from './worker-slot.js';

export type { LocalClusterOptions };

export { MAX_FAILED_STARTS };

/** Where a LocalCluster is in its life; shown when it is printed and in the notice about open clusters. */
export type LocalClusterStatus = 'starting' | 'running' | 'failed to start' | 'closing' | 'closed';

/**
 * A scheduler in this process and `nWorkers` workers on this machine (child processes, or in this process
 * with `processes: false`). Starting begins in the constructor; await {@link LocalCluster.ready}, or pass
 * the cluster to `Client.connect`, which waits for it. Always `close()` it (in `finally`).
 *
 * @example
 * ```ts
 * const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1 });
 * const client = await Client.connect(cluster);
 * try {
 *   console.log(await client.submit((x: number) => x + 1, 41)); // 42
 *   await cluster.scale(4); // resolves once the two new workers joined
 * } finally {
 *   await client.close();
 *   await cluster.close();
 * }
 * ```
 */
export class LocalCluster implements ClusterHandle {
  static #count = 0;
  static readonly #open = new Set<LocalCluster>();

  /**
   * The LocalClusters of this process that are not closed (nor closing), oldest first. After a notebook cell that builds
   * a cluster is run again, its variable names the new one; this still reaches the old one to close it.
   * @example for (const old of LocalCluster.running().slice(0, -1)) await old.close();
   */
  static running(): LocalCluster[] {
    return [...LocalCluster.#open];
  }

  /**
   * Resolves when the scheduler listens and the initial workers have joined. Rejects with
   * `WorkerStartError` (with the end of its stderr) when a worker process exits before registering
   * three times in a row, or `TimeoutError` when workers do not register within 60 s.
   */
  readonly ready: Promise<void>;
  /** This cluster's logger (`local-cluster`; level from `FLOTILLA_LOG_LEVEL`). */
  readonly log = new Logger('local-cluster');
  /** `LocalCluster #1`, `#2`, … in the order they were built in this process. */
  readonly #label = `LocalCluster #${++LocalCluster.#count}`;
  readonly #startedAt = new Date();
  #status: LocalClusterStatus = 'starting';
  /** The dashboard port this cluster asks for (undefined: no dashboard, or any free port). */
  readonly #dashboardPortAsked: number | undefined;
  #scheduler: SchedulerServer | undefined;
  #slots = new Map<string, WorkerSlot>();
  #nextIndex = 0;
  #closing = false;
  #closed: Promise<void> | undefined;
  /** Waits for workers to join, rejected when a worker cannot start. */
  readonly #joinFailures = new Set<(error: Error) => void>();
  #dashboard: Dashboard | undefined;
  #directory: PrivateDirectory | undefined;
  #security: CurveCredentials | undefined;
  /** Where worker processes read `#security` (mode 0600, in `#directory`). */
  #securityFile: string | undefined;
  /** TCP with CURVE (a host or port was given) rather than Unix sockets. */
  readonly #network: boolean;
  readonly #options: ResolvedOptions;
  readonly #memoryLimit: number;

  /**
   * Checks the options and starts the cluster (see {@link LocalCluster.ready}). Without `nWorkers` and
   * `threadsPerWorker`, the machine's cores are split by {@link defaultWorkerSplit}; `memoryLimit: 'auto'`
   * gives each worker an equal share of total memory. Logs a notice when other LocalClusters of this
   * process are still open.
   * @throws ConfigurationError when `nWorkers` (a whole number >= 0), `threadsPerWorker` (>= 1),
   * `memoryLimit` or `dashboardAddress` is not valid; the message names the option and the value.
   */
  constructor(options: LocalClusterOptions = {}) {
    const settings = resolveSettings(options);
    this.#options = settings.options;
    this.#network = settings.network;
    this.#memoryLimit = settings.memoryLimit;
    this.#dashboardPortAsked = settings.dashboardPortAsked;
    // Said here, not once started, so that it shows in the notebook cell (or REPL line) that builds the cluster.
    const open = LocalCluster.running();
    if (open.length > 0) {
      const holder = open.find((cluster) => this.#dashboardPortAsked !== undefined && cluster.#dashboardPort() === this.#dashboardPortAsked);
      const views = open.map((cluster) => ({ label: cluster.#label, describe: () => cluster.#describe() }));
      this.log.warn(secondClusterNotice(views, this.#label, holder && { port: this.#dashboardPortAsked!, holder: holder.#label }));
    }
    LocalCluster.#open.add(this);
    this.ready = this.#start();
    this.ready.then(
      () => { if (this.#status === 'starting') this.#status = 'running'; },
      // The failure is reported to whoever awaits `ready`; this keeps an unawaited cluster from crashing the process.
      () => { if (this.#status === 'starting') this.#status = 'failed to start'; },
    );
  }

  /** Where the cluster is in its life. */
  get status(): LocalClusterStatus {
    return this.#status;
  }

  /** Workers registered with the scheduler now, their task threads and memory limits. */
  workerTotals(): WorkerTotals {
    return workerTotals(this.#scheduler?.workerSummaries() ?? []);
  }

  /** What `console.log(cluster)` and a notebook cell print: scheduler, status, workers, threads, memory, dashboard. */
  [inspectCustom](depth: number, options: InspectOptionsStylized, inspectFn: typeof inspect): string {
    const totals = this.workerTotals();
    const open = this.#status !== 'closed' && this.#status !== 'closing';
    const fields = {
      scheduler: this.#scheduler?.address, status: this.#status,
      workers: open ? totals.workers : undefined,
      starting: this.#status === 'starting' ? Math.max(0, this.#options.nWorkers - totals.workers) : undefined,
      threads: open ? totals.threads : undefined,
      memory: open ? formatBytes(totals.memory) : undefined,
      dashboard: open ? this.dashboardLink : undefined,
    };
    return inspectSummary('LocalCluster', fields, depth, options, inspectFn);
  }

  /** The port the dashboard listens on, or asks for while starting. */
  #dashboardPort(): number | undefined {
    const link = this.dashboardLink;
    return link ? Number(new URL(link).port) : this.#status === 'starting' ? this.#dashboardPortAsked : undefined;
  }

  #describe(): string {
    const totals = this.workerTotals();
    const parts = [
      `${this.#status}, built at ${this.#startedAt.toTimeString().slice(0, 8)}`,
      this.#scheduler ? `scheduler ${this.#scheduler.address}` : undefined,
      `${totals.workers} worker${totals.workers === 1 ? '' : 's'}`,
      this.dashboardLink ? `dashboard ${this.dashboardLink}` : undefined,
    ];
    return parts.filter(Boolean).join(', ');
  }

  /** The scheduler's address (once `ready`): `ipc:///…/scheduler` by default, `tcp://host:port` with a `host` or `schedulerPort`. */
  get schedulerAddress(): string {
    if (!this.#scheduler) throw new ConfigurationError('the LocalCluster has not started yet: await cluster.ready first');
    return this.#scheduler.address;
  }

  /** The CURVE keys clients need on a TCP cluster (`host` or `schedulerPort` given); undefined on Unix sockets. */
  get security(): CurveCredentials | undefined {
    return this.#security;
  }

  /** The in-process scheduler (for diagnostics and tests). */
  get scheduler(): SchedulerServer {
    if (!this.#scheduler) throw new ConfigurationError('the LocalCluster has not started yet: await cluster.ready first');
    return this.#scheduler;
  }

  /** Names of the workers this cluster runs. */
  get workerNames(): string[] {
    return [...this.#slots.keys()];
  }

  /** Process ids of worker processes (empty with `processes: false`). */
  get workerPids(): number[] {
    return [...this.#slots.values()].map((s) => s.process?.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** @internal A link to the in-process scheduler that skips the socket (used by `Client.connect`). */
  openLocalLink(routingId: string): MessageLink {
    return this.scheduler.openLocalLink(routingId);
  }

  /** The status page's URL (with its `?token=…`); undefined when `dashboardAddress` is false. */
  get dashboardLink(): string | undefined {
    return this.#dashboard?.url;
  }

  /** One phrase for time-out messages: `the LocalCluster runs N workers, M registered`. */
  describeWorkers(): string {
    const connected = this.#scheduler?.workerCount ?? 0;
    return `the LocalCluster runs ${this.#slots.size} worker${this.#slots.size === 1 ? '' : 's'}, ${connected} registered`;
  }

  async #start(): Promise<void> {
    const directory = (this.#directory = new PrivateDirectory());
    if (this.#network) {
      this.#security = makeCurveCredentials();
      this.#securityFile = directory.file('security.json');
      writeCredentialsFile(this.#securityFile, this.#security, { forClients: true });
    }
    this.#scheduler = await SchedulerServer.start({
      ...(this.#network ? { host: this.#options.host, port: this.#options.schedulerPort, security: this.#security } : { listen: directory.socketAddress('scheduler') }),
      allowedFailures: this.#options.allowedFailures, validate: this.#options.validate, transitionLimit: this.#options.transitionLimit,
    });
    this.#scheduler.on('worker-added', (summary) => {
      const slot = this.#slots.get(summary.name);
      if (!slot) return;
      slot.joined = true;
      slot.failedStarts = 0;
    });
    // A worker retired on purpose (client.retireWorkers) leaves for good: its slot is not refilled.
    this.#scheduler.on('worker-retired', (name) => {
      const slot = this.#slots.get(name);
      if (!slot || slot.retiring) return;
      slot.retiring = true;
      void (slot.node ? slot.node.closed : Promise.resolve()).then(() => {
        if (!slot.process && this.#slots.get(name) === slot) this.#slots.delete(name);
      });
    });
    this.#dashboard = await startDashboard(this.#scheduler, {
      address: this.#options.dashboardAddress ?? defaultDashboardAddress(),
      log: (line) => this.log.warn(line),
    });
    await this.scale(this.#options.nWorkers);
  }

  /**
   * Sets the number of workers: starts new ones (and waits until they joined) or retires the newest.
   * Waits for {@link LocalCluster.ready} first.
   * @throws ConfigurationError when `n` is not a whole number >= 0.
   */
  async scale(n: number): Promise<void> {
    checkCount('scale(n)', n, 0);
    const scheduler: SchedulerServer = this.#scheduler ?? (await this.ready.then(() => this.#scheduler!));
    const current = [...this.#slots.values()].filter((s) => !s.retiring);
    if (n < current.length) {
      const victims = current.slice(n);
      await Promise.all(victims.map((slot) => this.#retire(slot)));
      return;
    }
    const names: string[] = [];
    for (let i = current.length; i < n; i++) {
      const slot = newSlot(`local-${this.#nextIndex++}`);
      this.#slots.set(slot.name, slot);
      names.push(slot.name);
    }
    const joined = waitForJoin(scheduler, names, this.#joinFailures);
    for (const name of names) await this.#launch(this.#slots.get(name)!);
    await joined;
  }

  async #launch(slot: WorkerSlot): Promise<void> {
    const scheduler = this.#scheduler!;
    recordStart(slot);
    if (!this.#options.processes) {
      slot.node = await WorkerNode.start({
        scheduler: scheduler.address, name: slot.name, nthreads: this.#options.threadsPerWorker,
        memoryLimit: this.#memoryLimit, deathTimeoutMs: this.#options.deathTimeout * 1000, resources: this.#options.resources,
        security: this.#security,
        ...(this.#options.profileIntervalMs === undefined ? {} : { profileIntervalMs: this.#options.profileIntervalMs }),
      });
      return;
    }
    slot.joined = false;
    slot.stderrTail = '';
    const managed = spawnWorkerProcess({
      schedulerAddress: scheduler.address, name: slot.name, threadsPerWorker: this.#options.threadsPerWorker,
      memoryLimit: this.#memoryLimit, deathTimeout: this.#options.deathTimeout,
      ...(this.#securityFile ? { securityFile: this.#securityFile } : {}),
      ...(this.#options.profileIntervalMs === undefined ? {} : { profileIntervalMs: this.#options.profileIntervalMs }),
      ...(this.#options.resources ? { resources: this.#options.resources } : {}),
      ...(this.#options.env ? { env: this.#options.env } : {}),
    }, (chunk) => keepStderr(slot, chunk));
    slot.process = managed;
    managed.child.on('exit', (code, signal) => this.#onExit(slot, managed.child, code, signal));
  }

  #onExit(slot: WorkerSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.process?.child !== child) return;
    slot.process = undefined;
    const how = howItEnded(code, signal);
    this.#scheduler?.removeWorkerByName(slot.name, `worker process ${child.pid} ${how}`);
    if (slot.retiring && !this.#closing && this.#slots.get(slot.name) === slot && !slot.node) this.#slots.delete(slot.name);
    if (this.#closing || slot.retiring) return;
    if (!slot.joined && ++slot.failedStarts >= MAX_FAILED_STARTS) {
      this.#giveUp(slot, child, code, signal);
      return;
    }
    const delay = restartDelayMs(slot);
    this.log.warn(`worker ${slot.name} (pid ${child.pid}) ${how}; starting a replacement${delay ? ` in ${delay} ms` : ''}`);
    const timer = setTimeout(() => {
      if (!this.#closing && !slot.retiring) void this.#launch(slot).catch((error: unknown) => this.log.error(`could not restart ${slot.name}: ${(error as Error).message}`));
    }, delay);
    timer.unref();
  }

  /** A worker that exited before it joined, several times in a row: stop restarting it and say why. */
  #giveUp(slot: WorkerSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const error = startFailure(slot, child, code, signal);
    this.#slots.delete(slot.name);
    this.log.error(error.message);
    for (const fail of [...this.#joinFailures]) fail(error);
  }

  async #retire(slot: WorkerSlot): Promise<void> {
    slot.retiring = true;
    await this.#scheduler?.retireWorkers([slot.name]);
    if (slot.node) await slot.node.close('retired by scale()');
    await stopWorkerProcess(slot.process, 3_000);
    this.#slots.delete(slot.name);
  }

  /**
   * Stops every worker and the scheduler. Leaves no child process and no bound port. A second call
   * (another cell, a `finally`) waits for the same close instead of returning before it is done.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#status = 'closing';
    LocalCluster.#open.delete(this);
    await this.ready.catch(() => {});
    const slots = [...this.#slots.values()];
    for (const slot of slots) slot.retiring = true;
    await this.#dashboard?.close();
    await this.#scheduler?.close();
    await Promise.all(slots.map(async (slot) => {
      if (slot.node) await slot.node.close('cluster closing');
      await stopWorkerProcess(slot.process, 2_000);
    }));
    this.#slots.clear();
    this.#directory?.remove();
    this.#status = 'closed';
  }
}
