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
import { spawn, type ChildProcess } from 'node:child_process';
import { defaultWorkerSplit } from '../util/worker-split.js';
import { manageProcess, settleWithin, stopProcess, type ManagedProcess } from '../util/child-process.js';
import { availableParallelism, totalmem } from 'node:os';
import { ConfigurationError, TimeoutError, WorkerStartError } from '../errors/index.js';
import { parseBytes } from '../jobqueue/units.js';
import { SchedulerServer } from '../scheduler/server.js';
import { defaultDashboardAddress, parseDashboardAddress, startDashboard, type Dashboard } from '../dashboard/index.js';
import { distFile } from '../util/package-paths.js';
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
import { workerEnvironment } from '../util/worker-environment.js';
import { libcHint } from './libc-hint.js';

export type { LocalClusterOptions };

interface WorkerSlot {
  name: string;
  process?: ManagedProcess;
  node?: WorkerNode;
  /** Restarts within the last minute, to back off from a worker that crashes at start. */
  recentStarts: number[];
  retiring: boolean;
  /** The current process registered with the scheduler. */
  joined: boolean;
  /** Processes in a row that exited before they registered. */
  failedStarts: number;
  /** The end of the current process's stderr (a bounded tail, for the start-failure error). */
  stderrTail: string;
}

const START_TIMEOUT_MS = 60_000;
/** A worker whose process exits before registering this many times in a row is given up on. */
export const MAX_FAILED_STARTS = 3;
/** How much of a failing worker's stderr its WorkerStartError keeps. */
const STDERR_TAIL_BYTES = 2_000;


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
  readonly #options: Required<Pick<LocalClusterOptions, 'nWorkers' | 'threadsPerWorker' | 'host' | 'schedulerPort' | 'processes' | 'deathTimeout'>> & LocalClusterOptions;
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
    const split = defaultWorkerSplit();
    const nWorkers = options.nWorkers ?? (options.threadsPerWorker ? Math.max(1, Math.floor(availableParallelism() / options.threadsPerWorker)) : split.nWorkers);
    checkCount('nWorkers', nWorkers, 0);
    const threadsPerWorker = options.threadsPerWorker ?? Math.max(1, Math.floor(availableParallelism() / Math.max(1, nWorkers)));
    checkCount('threadsPerWorker', threadsPerWorker, 1);
    this.#options = {
      ...options, nWorkers, threadsPerWorker, host: options.host ?? '127.0.0.1', schedulerPort: options.schedulerPort ?? 0,
      processes: options.processes ?? true, deathTimeout: options.deathTimeout ?? 60,
    };
    this.#network = options.host !== undefined || options.schedulerPort !== undefined;
    const limit = options.memoryLimit ?? 'auto';
    this.#memoryLimit = limit === 'auto' ? Math.floor(totalmem() / Math.max(1, nWorkers)) : parseBytes(limit, 'memoryLimit');
    if (options.dashboardAddress !== undefined && options.dashboardAddress !== false) parseDashboardAddress(options.dashboardAddress);
    const dashboardAddress = options.dashboardAddress ?? defaultDashboardAddress();
    this.#dashboardPortAsked = dashboardAddress === false ? undefined : parseDashboardAddress(dashboardAddress).port || undefined;
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
      const slot: WorkerSlot = { name: `local-${this.#nextIndex++}`, recentStarts: [], retiring: false, joined: false, failedStarts: 0, stderrTail: '' };
      this.#slots.set(slot.name, slot);
      names.push(slot.name);
    }
    const joined = this.#waitForJoin(scheduler, names);
    for (const name of names) await this.#launch(this.#slots.get(name)!);
    await joined;
  }

  #waitForJoin(scheduler: SchedulerServer, names: string[]): Promise<void> {
    const missing = new Set(names.filter((name) => !scheduler.workerSummaries().some((w) => w.name === name)));
    if (missing.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        scheduler.off('worker-added', onAdded);
        this.#joinFailures.delete(failed);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        done(new TimeoutError(`LocalCluster: worker(s) ${[...missing].join(', ')} did not register within ${START_TIMEOUT_MS / 1000} s; set FLOTILLA_LOG_LEVEL=info to see their logs`));
      }, START_TIMEOUT_MS);
      const onAdded = (summary: { name: string }) => {
        missing.delete(summary.name);
        if (missing.size === 0) done();
      };
      const failed = (error: Error) => done(error);
      this.#joinFailures.add(failed);
      scheduler.on('worker-added', onAdded);
    });
  }

  async #launch(slot: WorkerSlot): Promise<void> {
    const scheduler = this.#scheduler!;
    slot.recentStarts = [...slot.recentStarts.filter((t) => Date.now() - t < 60_000), Date.now()];
    if (!this.#options.processes) {
      slot.node = await WorkerNode.start({
        scheduler: scheduler.address, name: slot.name, nthreads: this.#options.threadsPerWorker,
        memoryLimit: this.#memoryLimit, deathTimeoutMs: this.#options.deathTimeout * 1000, resources: this.#options.resources,
        security: this.#security,
        ...(this.#options.profileIntervalMs === undefined ? {} : { profileIntervalMs: this.#options.profileIntervalMs }),
      });
      return;
    }
    const args = [
      distFile('src/cli/worker.js'), scheduler.address, '--name', slot.name, '--nthreads', String(this.#options.threadsPerWorker),
      '--memory-limit', String(this.#memoryLimit), '--death-timeout', String(this.#options.deathTimeout), '--exit-with-parent',
    ];
    if (this.#securityFile) args.push('--security-file', this.#securityFile);
    if (this.#options.profileIntervalMs !== undefined) args.push('--profile-interval', String(this.#options.profileIntervalMs));
    if (this.#options.resources) args.push('--resources', Object.entries(this.#options.resources).map(([k, v]) => `${k}=${v}`).join(','));
    // FLOTILLA_WORKER_NODE_OPTIONS passes flags to the worker processes' node (e.g. --cpu-prof for profiling).
    const nodeFlags = (process.env.FLOTILLA_WORKER_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
    const argv = [process.execPath, ...nodeFlags, ...args];
    const child = spawn(argv[0]!, argv.slice(1), {
      // stderr is passed through, keeping its end: a worker that cannot start says why there.
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: workerEnvironment({ ...libcHint({ ...process.env, ...this.#options.env }), ...process.env, ...this.#options.env }),
    });
    slot.process = manageProcess(child, argv);
    slot.joined = false;
    slot.stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      if (!slot.joined) slot.stderrTail = (slot.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.on('exit', (code, signal) => this.#onExit(slot, child, code, signal));
  }

  #onExit(slot: WorkerSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.process?.child !== child) return;
    slot.process = undefined;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    this.#scheduler?.removeWorkerByName(slot.name, `worker process ${child.pid} ${how}`);
    if (slot.retiring && !this.#closing && this.#slots.get(slot.name) === slot && !slot.node) this.#slots.delete(slot.name);
    if (this.#closing || slot.retiring) return;
    if (!slot.joined && ++slot.failedStarts >= MAX_FAILED_STARTS) {
      this.#giveUp(slot, child, code, signal);
      return;
    }
    const crashes = slot.recentStarts.filter((t) => Date.now() - t < 60_000).length;
    const delay = crashes <= 1 ? 0 : Math.min(5_000, 250 * 2 ** (crashes - 2));
    this.log.warn(`worker ${slot.name} (pid ${child.pid}) ${how}; starting a replacement${delay ? ` in ${delay} ms` : ''}`);
    const timer = setTimeout(() => {
      if (!this.#closing && !slot.retiring) void this.#launch(slot).catch((error: unknown) => this.log.error(`could not restart ${slot.name}: ${(error as Error).message}`));
    }, delay);
    timer.unref();
  }

  /** A worker that exited before it joined, several times in a row: stop restarting it and say why. */
  #giveUp(slot: WorkerSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const tail = slot.stderrTail.trim();
    const error = new WorkerStartError(
      `LocalCluster: worker ${slot.name} exited before it joined ${slot.failedStarts} times in a row; the last (pid ${child.pid}) ${how}. ` +
        (tail ? `The end of its stderr:\n${indent(tail)}\n` : 'It wrote nothing to stderr. ') +
        'Check the `env` given to the cluster (NODE_OPTIONS, for instance) and run `flotilla-worker` by hand with the same environment to see it fail.',
      { worker: slot.name, exitCode: code, signal, stderr: slot.stderrTail },
    );
    this.#slots.delete(slot.name);
    this.log.error(error.message);
    for (const fail of [...this.#joinFailures]) fail(error);
  }

  async #retire(slot: WorkerSlot): Promise<void> {
    slot.retiring = true;
    await this.#scheduler?.retireWorkers([slot.name]);
    if (slot.node) await slot.node.close('retired by scale()');
    await stopWorkerProcess(slot, 3_000);
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
      await stopWorkerProcess(slot, 2_000);
    }));
    this.#slots.clear();
    this.#directory?.remove();
    this.#status = 'closed';
  }
}

/** Lets a worker process exit by itself for `ownMs`, then SIGTERM, then SIGKILL (2 s grace each). */
async function stopWorkerProcess(slot: WorkerSlot, ownMs: number): Promise<void> {
  const managed = slot.process;
  if (managed && (await settleWithin(managed.exited, ownMs)) === undefined) await stopProcess(managed, 2_000);
}

function indent(text: string): string {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigurationError(`LocalCluster option ${name} must be a whole number >= ${min}, got ${String(value)}`);
  }
}
