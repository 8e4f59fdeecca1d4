/**
 * A worker's main thread: it only talks. It keeps the link to the scheduler and answers its messages,
 * serves its results to peers, and owns the worker's life (start, registration, heartbeats, log, close).
 * The tasks it was given wait and are fed to the task threads in `LocalTasks`; results stay here
 * (encoded, in `StoredData`) until the scheduler frees them.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { HandlerTable, PeerReply, SchedulerToWorker, WorkerToScheduler } from '../protocol/messages.js';
import { schedulerToWorkerSchema, validateBatch } from '../protocol/validate.js';
import { toWireError } from '../protocol/wire-error.js';
import { DealerLink, RouterEndpoint } from '../transport/endpoints.js';
import { PeerPool } from '../transport/peer-pool.js';
import { sharedAllocator } from '../transport/chunking.js';
import { peerCredentials } from '../transport/security.js';
import { ConfigurationError, ProtocolError } from '../errors/index.js';
import { shortId } from '../util/ids.js';
import { Logger } from '../util/logger.js';
import { printable } from '../util/printable.js';
import { WarningSummary } from '../util/warning-summary.js';
import { bindDataService } from './data-service-address.js';
import { copyFromRetiring, runEverywhere } from './everywhere-runs.js';
import { LocalFiles } from './local-files.js';
import { DirectCalls } from './direct-calls.js';
import { LocalTasks } from './local-tasks.js';
import { servePeer, type PeerServicePort } from './peer-service.js';
import type { WorkerOptions } from './options.js';
import { StartNotices } from './start-notices.js';
import { fromWire, StoredData } from './stored-data.js';
import { ThreadPool } from './thread-pool.js';
import { profileSettings, WorkerProfiling } from './profiling.js';
import { keepLogTail, openLogFile } from './worker-log.js';

export type { WorkerOptions };

/** How long a worker whose name is held by a live worker keeps asking to register. */
const REGISTER_RETRY_MS = 30_000;

/**
 * One worker: runs the tasks the scheduler gives it on `nthreads` task threads and keeps their results
 * for clients and peers. Start it with {@link WorkerNode.start} (the constructor is private); the
 * `flotilla-worker` command and LocalCluster do that for you.
 *
 * @example
 * ```ts
 * const scheduler = await SchedulerServer.start({ host: '127.0.0.1', port: 0 });
 * const worker = await WorkerNode.start({ scheduler: scheduler.address, nthreads: 2 });
 * await worker.registered;
 * // … a Client connected to scheduler.address now runs tasks here …
 * await worker.close();
 * await scheduler.close();
 * ```
 */
export class WorkerNode {
  /** The worker's name, unique on its scheduler. @defaultValue `<hostname>-<pid>` */
  readonly name: string;
  /** This worker's logger; its lines also go to {@link WorkerNode.logFile} and {@link WorkerNode.logTail}. */
  readonly log: Logger;
  /** The most recent log lines in memory (between 1,000 and 2,000 of them), for `client.getWorkerLogs`. */
  readonly logTail: string[] = [];
  /** `worker.log` in the local directory: task console output and this worker's messages. */
  readonly logFile: string;
  #logStream: import('node:fs').WriteStream;
  #link: DealerLink<WorkerToScheduler>;
  #peerServer: RouterEndpoint<PeerReply>;
  #peers: PeerPool;
  #pool: ThreadPool;
  #starts: StartNotices;
  #files: LocalFiles;
  #address = '';
  readonly #data = new StoredData();
  readonly #tasks: LocalTasks;
  /** Actor calls clients sent straight here (direct-calls.ts). */
  readonly #direct: DirectCalls;
  readonly #peerService: PeerServicePort;
  readonly #profiling: WorkerProfiling;
  #lastHeard = Date.now();
  #timers: NodeJS.Timeout[] = [];
  /** The heartbeat timer; its interval is the scheduler's `heartbeatMs`, told on registration. */
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #heartbeatMs = DEFAULT_HEARTBEAT_MS;
  /** When the last `register` went out without an answer yet: one re-registration at a time. */
  #registering: number | undefined;
  /** Warnings about bad messages, one line per kind every few seconds. */
  readonly #warnings: WarningSummary;
  #closing: Promise<void> | undefined;
  #closedResolve!: (reason: string) => void;
  /** Resolves with the reason when this worker has stopped. */
  readonly closed: Promise<string> = new Promise((r) => (this.#closedResolve = r));
  #registered!: () => void;
  /** Resolves when the scheduler accepted this worker's registration (never rejects; see `closed`). */
  readonly registered: Promise<void> = new Promise((r) => (this.#registered = r));
  /** Why this worker had to stop (its key refused, its registration refused); set before `closed` resolves. */
  failure: Error | undefined;
  /** When the first refused registration of a streak came (a live worker held this name). */
  #refusedSince: number | undefined;

  private constructor(readonly options: WorkerOptions) {
    const profile = profileSettings(options);
    this.name = options.name ?? `${hostname()}-${process.pid}`;
    this.log = new Logger(`worker ${this.name}`);
    this.#warnings = new WarningSummary((line) => this.log.warn(line));
    keepLogTail(this.log, this.logTail);
    const dir = options.localDirectory ?? join(process.cwd(), '.flotilla-worker-space', `${this.name}-${shortId()}`);
    mkdirSync(dir, { recursive: true });
    this.#files = new LocalFiles(resolve(dir));
    const logFile = openLogFile(this.log, this.#files.directory);
    this.logFile = logFile.file;
    this.#logStream = logFile.stream;
    // Large values arrive in chunks straight into SharedArrayBuffers; a short queue makes a fast sender
    // wait, and received chunks are reclaimed as they are consumed, so a worker's peak memory is the data
    // it keeps plus a few megabytes (measured: 800 MB broadcast, peak 1.09-1.10x the array).
    const largeData = { allocate: sharedAllocator, receiveHighWaterMark: 1, receiveBufferBytes: 256 * 1024, reclaim: true, limits: options.limits };
    this.#link = new DealerLink<WorkerToScheduler>(options.scheduler, `worker-${this.name}-${shortId()}`, (error) => {
      this.log.warn(`sending to the scheduler failed: ${(error as Error).message}`);
    }, options.security, largeData);
    this.#link.onHandshakeFailure((error) => this.#fail(error));
    const peerSecurity = options.security ? peerCredentials(options.security) : undefined;
    this.#peerServer = new RouterEndpoint<PeerReply>((peer, error) => this.log.debug(`reply to peer ${peer} failed: ${(error as Error).message}`), peerSecurity, { limits: options.limits });
    this.#peers = new PeerPool(this.log, peerSecurity, largeData);
    this.#pool = new ThreadPool(Math.max(1, options.nthreads ?? 1), this.name, {
      onResult: (task, result) => {
        this.#profiling.ended(task, result);
        this.#starts.ended(task.key, task.fnUrl);
        this.#tasks.onResult(task, result);
      },
      onThreadLost: (tasks, reason) => this.#tasks.onThreadLost(tasks, reason),
      onActorThreadEnded: (actor, tasks, reason) => this.#tasks.onActorThreadEnded(actor, tasks, reason),
      onLog: (level, text, key) => this.log.raw(`[${this.name}]${key ? ` [${key}]` : ''} ${text}`, level === 'error' || level === 'warn' ? 'warn' : 'info'),
      onStarted: (task) => {
        this.#profiling.started(task);
        this.#starts.started(task.key, task.fnUrl);
      },
      onRequeue: (task) => this.#tasks.onRequeue(task),
      onSeceded: (task) => {
        this.#link.send({ op: 'long-running', keys: [task.key] });
        queueMicrotask(() => this.#tasks.pump());
      },
    }, { client: { scheduler: options.scheduler, workerName: this.name, ...(options.security ? { security: options.security } : {}) } });
    this.#profiling = new WorkerProfiling(profile, this.#pool, this.#files, (line) => this.log.warn(line));
    this.#direct = new DirectCalls({
      accept: (order, origin) => this.#tasks.acceptDirect(order, origin),
      reply: (peer, message) => this.#peerServer.send(peer, message),
      free: (key) => this.#data.delete(key),
      store: (key, value) => void this.#tasks.storeValue(key, value),
    });
    this.#tasks = new LocalTasks(this.#data, this.#pool, this.#files, this.#peers, this.#link, this.log, options.resources ?? {},
      (origin, key, outcome) => this.#direct.answer(origin, key, outcome));
    this.#peerService = {
      data: this.#data, direct: this.#direct,
      reply: (peer, message) => this.#peerServer.send(peer, message),
      warn: (kind, message) => this.#warnings.warn(kind, message),
      pump: () => this.#tasks.pump(),
    };
    this.#starts = new StartNotices(
      (keys) => this.#link.send({ op: 'started', keys }),
      () => this.#pool.executingTasks().map((t) => t.key),
    );
  }

  /** Starts a worker and registers it with the scheduler (does not wait for the answer; see `registered`). */
  static async start(options: WorkerOptions): Promise<WorkerNode> {
    const worker = new WorkerNode(options);
    await worker.#start();
    return worker;
  }

  /** Where peers fetch this worker's results: `ipc://…` next to an `ipc://` scheduler, else `tcp://host:port`. */
  get address(): string {
    return this.#address;
  }

  /** The worker's scratch directory (`worker.log`, uploaded files); removed on a clean close. */
  get localDirectory(): string {
    return this.#files.directory;
  }

  async #start(): Promise<void> {
    try {
      this.#address = await bindDataService(this.#peerServer, this.options.scheduler, this.options.host);
    } catch (error) {
      // The link to the scheduler can fail (a refused handshake, say) while the data service binds; the
      // close that follows ends the bind. That failure, kept in `failure`, is the one to report.
      if (this.#closing) return;
      throw error;
    }
    if (this.#closing) return;
    this.#peerServer.start(
      (peer, raw) => servePeer(this.#peerService, peer, raw),
      (peer, error) => this.#warnings.warn('undecodable peer request', `undecodable request from ${printable(peer)}: ${(error as Error).message}`),
    );
    this.#link.start((raw) => this.#onSchedulerBatch(raw), (error) => this.#warnings.warn('undecodable', `undecodable message from the scheduler: ${(error as Error).message}`));
    this.#register();
    this.#startHeartbeat(this.#heartbeatMs);
    if (this.options.lifetimeMs) {
      // Ask the scheduler to move this worker's results elsewhere and close it; close anyway if it
      // does not within a minute (the walltime is near).
      const retire = setTimeout(() => {
        this.#link.send({ op: 'retire-me', reason: 'lifetime reached (retiring before the batch walltime)' });
        setTimeout(() => void this.close('lifetime reached; the scheduler did not retire this worker in time'), 60_000).unref();
      }, this.options.lifetimeMs);
      retire.unref();
      this.#timers.push(retire);
    }
  }

  /** (Re)starts the heartbeat at `intervalMs`. */
  #startHeartbeat(intervalMs: number): void {
    if (this.#closing) return;
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    this.#heartbeatMs = intervalMs;
    this.#heartbeatTimer = setInterval(() => this.#heartbeat(), intervalMs);
  }

  #register(): void {
    this.#registering = Date.now();
    this.#link.send({
      op: 'register',
      worker: {
        name: this.name,
        host: hostname(),
        address: this.#address,
        nthreads: this.#pool.size,
        memoryLimit: this.options.memoryLimit ?? 0,
        resources: this.options.resources ?? {},
        pid: process.pid,
        localDirectory: this.#files.directory,
        ...(this.options.jobId ? { jobId: this.options.jobId } : {}),
      },
    });
  }

  #heartbeat(): void {
    const silentFor = Date.now() - this.#lastHeard;
    const deathTimeout = this.options.deathTimeoutMs ?? 60_000;
    if (silentFor > deathTimeout) {
      void this.close(`the scheduler at ${this.options.scheduler} has not answered for ${Math.round(silentFor / 1000)} s (death timeout ${deathTimeout / 1000} s)`);
      return;
    }
    // While a register is unanswered, a heartbeat would only be answered `unknown-worker`.
    if (this.#registering !== undefined && Date.now() - this.#registering < REREGISTER_AFTER_MS) return;
    this.#link.send({
      op: 'heartbeat',
      executing: this.#pool.executingTasks().map((t) => t.key),
      memory: process.memoryUsage.rss(),
      queued: this.#tasks.size,
    });
  }

  #onSchedulerBatch(raw: unknown): void {
    this.#lastHeard = Date.now();
    const { messages, errors } = validateBatch<SchedulerToWorker>(raw, schedulerToWorkerSchema, 'scheduler');
    for (const error of errors) this.#warnings.warn(error.kind, error.message);
    const handlers = this.#handlers;
    for (const message of messages) {
      try {
        handlers[message.op](message as never);
      } catch (error) {
        this.log.error(`failed handling ${message.op}: ${(error as Error).stack}`);
      }
    }
    this.#tasks.pump();
  }

  readonly #handlers: HandlerTable<SchedulerToWorker> = {
    registered: (m) => {
      this.#registering = undefined;
      this.#refusedSince = undefined;
      // The scheduler says how often it expects to hear from us (its `heartbeatMs`).
      const interval = Math.min(MAX_HEARTBEAT_MS, Math.max(MIN_HEARTBEAT_MS, m.heartbeatMs));
      if (interval !== this.#heartbeatMs) this.#startHeartbeat(interval);
      this.#registered();
    },
    'register-refused': (m) => this.#onRefused(m.reason, m.retry),
    functions: (m) => this.#files.addFunctions(m.fns),
    compute: (m) => { for (const order of m.tasks) this.#tasks.accept(order); },
    'cancel-compute': (m) => { for (const key of m.keys) this.#tasks.cancel(key); },
    'free-keys': (m) => {
      for (const key of m.keys) this.#data.delete(key);
      this.#direct.forget(m.keys);
      this.#tasks.freed(m.keys);
    },
    'peer-gone': (m) => this.#peers.abandon(m.address, m.reason),
    'store-data': (m) => {
      const nbytes = m.values.map((value, i) => this.#tasks.storeValue(m.keys[i]!, fromWire(value, true)));
      this.#link.send({ op: 'data-stored', id: m.id, keys: m.keys, nbytes });
    },
    'get-data': (m) => this.#link.send({ op: 'data-reply', id: m.id, ...this.#data.collect(m.keys) }),
    run: (m) => void runEverywhere(this.#runParts(), m.id, m.fn, m.args, 'run'),
    setup: (m) => void runEverywhere(this.#runParts(), m.id, m.fn, m.args, 'setup', m.name),
    'remove-setup': (m) => this.#pool.removeSetup(m.name),
    'get-logs': (m) => this.#link.send({ op: 'logs', id: m.id, lines: this.logTail.slice(-Math.max(0, m.tail)) }),
    'fetch-data': (m) => void copyFromRetiring({ peers: this.#peers, tasks: this.#tasks, log: this.log, send: this.#send }, m.id, m.keys, m.from),
    'upload-file': (m) => {
      try {
        this.#files.addUpload(m.name, m.data.bytes);
        if (m.id) this.#link.send({ op: 'upload-done', id: m.id });
      } catch (error) {
        if (m.id) this.#link.send({ op: 'upload-done', id: m.id, error: toWireError(error) });
      }
    },
    restart: (m) => {
      this.#tasks.reset();
      this.#data.clear();
      this.#pool.restart();
      this.log.info('restarted by the client: every task and result dropped, every task thread replaced');
      this.#link.send({ op: 'restarted', id: m.id });
    },
    'heartbeat-ack': () => {},
    'unknown-worker': () => {
      // A worker on its way out (retired, closing) must not come back.
      if (this.#closing) return;
      // Every message in flight when the scheduler removed us is answered `unknown-worker`: register
      // once, not once per answer (each registration would evict the previous one).
      if (this.#registering !== undefined && Date.now() - this.#registering < REREGISTER_AFTER_MS) return;
      this.log.warn('the scheduler no longer knows this worker (it timed out): dropping all tasks and data, registering again');
      this.#tasks.reset();
      this.#data.clear();
      this.#register();
    },
    close: (m) => void this.close(`asked to close by the scheduler: ${m.reason}`),
    'get-profile': (m) => void this.#profiling.answer(m.id, m.query).then((reply) => this.#link.send(reply)),
  };

  /** What runs on every thread need (everywhere-runs.ts). */
  #runParts(): Parameters<typeof runEverywhere>[0] {
    return { files: this.#files, pool: this.#pool, log: this.log, send: this.#send };
  }

  readonly #send = (message: WorkerToScheduler): void => this.#link.send(message);

  /**
   * A refused registration. One under the name of a live worker is retried every half second for
   * REGISTER_RETRY_MS: that worker may be this one's predecessor (restarted by a nanny or a cluster)
   * whose death the scheduler has not noticed yet. Anything else ends this worker with the reason.
   */
  #onRefused(reason: string, retry: boolean): void {
    if (this.#closing) return;
    const now = Date.now();
    this.#refusedSince ??= now;
    if (retry && now - this.#refusedSince < REGISTER_RETRY_MS) {
      this.log.info(`registration refused (${reason}); trying again`);
      const timer = setTimeout(() => { if (!this.#closing) this.#register(); }, 500);
      this.#timers.push(timer);
      return;
    }
    this.#fail(retry
      ? new ConfigurationError(`the scheduler refused this worker for ${REGISTER_RETRY_MS / 1000} s: ${reason}. Give each worker its own --name.`)
      : new ProtocolError(`the scheduler refused this worker's registration: ${reason}`));
  }

  /** Stops for good with `error` (the CLI exits non-zero with its message). */
  #fail(error: Error): void {
    if (this.#closing) return;
    this.failure = error;
    this.log.error(error.message);
    void this.close(error.message);
  }

  /** Stops the worker: tells the scheduler, ends the threads, closes sockets, removes the local directory. */
  close(reason = 'closed'): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      this.log.info(`closing: ${reason}`);
      for (const timer of this.#timers) clearInterval(timer);
      if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
      this.#warnings.close();
      this.#starts.close();
      this.#link.send({ op: 'unregister', reason });
      await this.#link.close({ flush: true });
      await this.#peerServer.close();
      await this.#peers.close();
      this.#profiling.close();
      await this.#pool.close();
      this.#direct.close();
      await new Promise<void>((done) => this.#logStream.end(done));
      if (!this.options.keepLocalDirectory) this.#files.remove();
      this.#closedResolve(reason);
    })();
    return this.#closing;
  }
}

/** The heartbeat interval until the scheduler says its own, and the range a scheduler's value is kept in. */
const DEFAULT_HEARTBEAT_MS = 500;
const MIN_HEARTBEAT_MS = 10;
const MAX_HEARTBEAT_MS = 60_000;
/** A registration unanswered for this long may be sent again. */
const REREGISTER_AFTER_MS = 5_000;
