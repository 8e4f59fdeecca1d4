/**
 * A worker's main thread: it only talks. It keeps the link to the scheduler, serves its results to
 * peers, fetches inputs from peers, and feeds the task threads. Results stay here (encoded) until the
 * scheduler frees them.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { ComputeOrder, HandlerTable, PeerRequest, SchedulerToWorker, TaskFinishedReport, WireValue } from '../protocol/messages.js';
import { OutOfBand } from '../protocol/out-of-band.js';
import { peerRequestSchema, schedulerToWorkerSchema, validateBatch } from '../protocol/validate.js';
import { toWireError } from '../protocol/wire-error.js';
import { DealerLink, RouterEndpoint } from '../transport/endpoints.js';
import { PeerPool } from '../transport/peer-pool.js';
import { sharedAllocator } from '../transport/chunking.js';
import { peerCredentials } from '../transport/security.js';
import { Heap } from '../util/heap.js';
import { shortId } from '../util/ids.js';
import { Logger } from '../util/logger.js';
import { LocalFiles } from './local-files.js';
import type { WorkerOptions } from './options.js';
import { StartNotices } from './start-notices.js';
import { ThreadPool } from './thread-pool.js';
import type { StoredValue, ThreadOutcome, ThreadTask } from './thread-protocol.js';

export type { WorkerOptions };

/** Results up to this size travel with the completion report, so waiting clients get them in one hop. */
const INLINE_RESULT_BYTES = 64 * 1024;
/** Scattered frames at least this large go into SharedArrayBuffers: every task thread reads one copy. */
const SHARE_FRAME_BYTES = 64 * 1024;

interface LocalTask {
  id: number;
  order: ComputeOrder;
  /** Inputs still missing: computed here later, or being fetched. */
  missing: Set<string>;
  state: 'waiting' | 'ready' | 'dispatched';
  /** Milliseconds spent fetching inputs from peers. */
  transferMs: number;
}

export class WorkerNode {
  readonly name: string;
  readonly log: Logger;
  readonly logTail: string[] = [];
  /** `worker.log` in the local directory: task console output and this worker's messages. */
  readonly logFile: string;
  #logStream: import('node:fs').WriteStream;
  #link: DealerLink;
  #peerServer: RouterEndpoint;
  #peers: PeerPool;
  #pool: ThreadPool;
  #starts: StartNotices;
  #files: LocalFiles;
  #address = '';
  #store = new Map<string, StoredValue & { nbytes: number }>();
  #tasks = new Map<string, LocalTask>();
  #byThreadId = new Map<number, LocalTask>();
  #waiters = new Map<string, Set<LocalTask>>();
  #ready = new Heap<LocalTask>((a, b) => a.order.priority !== b.order.priority ? a.order.priority > b.order.priority : a.id < b.id);
  #resourcesInUse = new Map<string, number>();
  #nextId = 1;
  #lastHeard = Date.now();
  #timers: NodeJS.Timeout[] = [];
  #closing: Promise<void> | undefined;
  #closedResolve!: (reason: string) => void;
  /** Resolves with the reason when this worker has stopped. */
  readonly closed: Promise<string> = new Promise((r) => (this.#closedResolve = r));
  #registered!: () => void;
  readonly registered: Promise<void> = new Promise((r) => (this.#registered = r));

  private constructor(readonly options: WorkerOptions) {
    this.name = options.name ?? `${hostname()}-${process.pid}`;
    this.log = new Logger(`worker ${this.name}`);
    this.log.addSink((line) => {
      this.logTail.push(line);
      if (this.logTail.length > 2000) this.logTail.splice(0, 1000);
    });
    const dir = options.localDirectory ?? join(process.cwd(), '.flotilla-worker-space', `${this.name}-${shortId()}`);
    mkdirSync(dir, { recursive: true });
    this.#files = new LocalFiles(resolve(dir));
    // The log file survives a crash (the directory is removed only on a clean close), for post-mortems.
    this.logFile = join(this.#files.directory, 'worker.log');
    const logStream = createWriteStream(this.logFile, { flags: 'a' });
    logStream.on('error', () => {
      // A full or vanished disk must not take the worker down; the in-memory tail still has the lines.
    });
    this.log.addSink((line) => logStream.write(line + '\n'));
    this.#logStream = logStream;
    // Large values arrive in chunks straight into SharedArrayBuffers; a short queue makes a fast sender
    // wait, and received chunks are reclaimed as they are consumed, so a worker's peak memory is the data
    // it keeps plus a few megabytes (measured: 800 MB broadcast, peak 1.09-1.10x the array).
    const largeData = { allocate: sharedAllocator, receiveHighWaterMark: 1, receiveBufferBytes: 256 * 1024, reclaim: true };
    this.#link = new DealerLink(options.scheduler, `worker-${this.name}-${shortId()}`, (error) => {
      this.log.warn(`sending to the scheduler failed: ${(error as Error).message}`);
    }, options.security, largeData);
    const peerSecurity = options.security ? peerCredentials(options.security) : undefined;
    this.#peerServer = new RouterEndpoint((peer, error) => this.log.debug(`reply to peer ${peer} failed: ${(error as Error).message}`), peerSecurity);
    this.#peers = new PeerPool(this.log, peerSecurity, largeData);
    this.#pool = new ThreadPool(Math.max(1, options.nthreads ?? 1), this.name, {
      onResult: (task, result) => this.#onResult(task, result),
      onThreadLost: (tasks, reason) => this.#onThreadLost(tasks, reason),
      onLog: (level, text, key) => this.log.raw(`[${this.name}]${key ? ` [${key}]` : ''} ${text}`, level === 'error' || level === 'warn' ? 'warn' : 'info'),
      onStarted: (task) => this.#starts.started(task.key, task.fnUrl),
      onRequeue: (task) => this.#onRequeue(task),
    });
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

  get address(): string {
    return this.#address;
  }

  get localDirectory(): string {
    return this.#files.directory;
  }

  async #start(): Promise<void> {
    const host = this.options.host ?? (isLoopbackAddress(this.options.scheduler) ? '127.0.0.1' : hostname());
    const bindHost = /^[\d.]+$/.test(host) || host === 'localhost' ? host : '*';
    const bound = await this.#peerServer.bind(`tcp://${bindHost === 'localhost' ? '127.0.0.1' : bindHost}:0`);
    this.#address = bindHost === '*' ? bound.replace('0.0.0.0', host).replace('*', host) : bound;
    this.#peerServer.start((peer, raw) => this.#onPeerRequest(peer, raw), (peer, error) => this.log.warn(`undecodable request from ${peer}: ${(error as Error).message}`));
    this.#link.start((raw) => this.#onSchedulerBatch(raw), (error) => this.log.warn(`undecodable message from the scheduler: ${(error as Error).message}`));
    this.#register();
    const heartbeatMs = 500;
    const tick = setInterval(() => this.#heartbeat(), heartbeatMs);
    this.#timers.push(tick);
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

  #register(): void {
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
    this.#link.send({
      op: 'heartbeat',
      executing: this.#pool.executingTasks().map((t) => t.key),
      memory: process.memoryUsage.rss(),
      queued: this.#tasks.size,
    });
  }

  // ------------------------------------------------------------------ from the scheduler

  #onSchedulerBatch(raw: unknown): void {
    this.#lastHeard = Date.now();
    const { messages, errors } = validateBatch<SchedulerToWorker>(raw, schedulerToWorkerSchema, 'scheduler');
    for (const error of errors) this.log.warn(error.message);
    const handlers = this.#handlers;
    for (const message of messages) {
      try {
        handlers[message.op](message as never);
      } catch (error) {
        this.log.error(`failed handling ${message.op}: ${(error as Error).stack}`);
      }
    }
    this.#pump();
  }

  readonly #handlers: HandlerTable<SchedulerToWorker> = {
    registered: () => this.#registered(),
    functions: (m) => this.#files.addFunctions(m.fns),
    compute: (m) => { for (const order of m.tasks) this.#accept(order); },
    'cancel-compute': (m) => { for (const key of m.keys) this.#cancel(key); },
    'free-keys': (m) => { for (const key of m.keys) this.#store.delete(key); },
    'store-data': (m) => {
      const nbytes = m.values.map((value, i) => this.#storeValue(m.keys[i]!, fromWire(value, true)));
      this.#link.send({ op: 'data-stored', id: m.id, keys: m.keys, nbytes });
    },
    'get-data': (m) => this.#link.send({ op: 'data-reply', id: m.id, ...this.#collect(m.keys) }),
    run: (m) => void this.#runEverywhere(m.id, m.fn, m.args, 'run'),
    setup: (m) => void this.#runEverywhere(m.id, m.fn, m.args, 'setup', m.name),
    'remove-setup': (m) => this.#pool.removeSetup(m.name),
    'get-logs': (m) => this.#link.send({ op: 'logs', id: m.id, lines: this.logTail.slice(-Math.max(0, m.tail)) }),
    'fetch-data': (m) => void this.#copyFrom(m.id, m.keys, m.from),
    'upload-file': (m) => {
      try {
        this.#files.addUpload(m.name, m.data.bytes);
        if (m.id) this.#link.send({ op: 'upload-done', id: m.id });
      } catch (error) {
        if (m.id) this.#link.send({ op: 'upload-done', id: m.id, error: toWireError(error) });
      }
    },
    'heartbeat-ack': () => {},
    'unknown-worker': () => {
      // A worker on its way out (retired, closing) must not come back.
      if (this.#closing) return;
      this.log.warn('the scheduler no longer knows this worker (it timed out): dropping all tasks and data, registering again');
      this.#reset();
      this.#register();
    },
    close: (m) => void this.close(`asked to close by the scheduler: ${m.reason}`),
  };

  #accept(order: ComputeOrder): void {
    if (this.#tasks.has(order.key)) return;
    const task: LocalTask = { id: this.#nextId++, order, missing: new Set(), state: 'waiting', transferMs: 0 };
    this.#tasks.set(order.key, task);
    const toFetch = new Map<string, string[]>();
    for (const dep of order.deps) {
      if (this.#store.has(dep.key)) continue;
      task.missing.add(dep.key);
      if (dep.local || this.#tasks.has(dep.key)) {
        this.#addWaiter(dep.key, task);
      } else {
        this.#addWaiter(dep.key, task);
        toFetch.set(dep.key, dep.holders);
      }
    }
    if (task.missing.size === 0) this.#makeReady(task);
    else if (toFetch.size > 0) void this.#fetch(task, toFetch);
    else this.#pinBehindInputs(task);
  }

  /** A task whose missing inputs all run on one thread follows them there (see #chainBehind). */
  #pinBehindInputs(task: LocalTask): void {
    if (task.order.resources) return;
    let slot: number | undefined;
    for (const key of task.missing) {
      const producer = this.#tasks.get(key);
      const placed = producer?.state === 'dispatched' ? this.#pool.placement.get(producer.id) : undefined;
      if (placed === undefined || (slot !== undefined && placed !== slot)) return;
      slot = placed;
    }
    if (slot === undefined) return;
    const threadTask = this.#threadTask(task, this.#files.functionUrl(task.order.fn));
    if (!this.#pool.dispatchTo(slot, [threadTask])) return;
    task.state = 'dispatched';
    this.#byThreadId.set(task.id, task);
    for (const key of task.missing) this.#waiters.get(key)?.delete(task);
    this.#chainBehind(threadTask);
  }

  #addWaiter(key: string, task: LocalTask): void {
    let set = this.#waiters.get(key);
    if (!set) this.#waiters.set(key, (set = new Set()));
    set.add(task);
  }

  async #fetch(task: LocalTask, wanted: Map<string, string[]>): Promise<void> {
    const started = performance.now();
    const byHolder = new Map<string, string[]>();
    for (const [key, holders] of wanted) {
      const holder = holders[Math.floor(Math.random() * holders.length)];
      if (!holder) continue;
      byHolder.set(holder, [...(byHolder.get(holder) ?? []), key]);
    }
    const missing: string[] = [...wanted.keys()].filter((k) => (wanted.get(k) ?? []).length === 0);
    await Promise.all([...byHolder].map(async ([holder, keys]) => {
      try {
        const reply = await this.#peers.getData(holder, keys, 30_000);
        for (const [key, value] of Object.entries(reply.values)) {
          if (!this.#store.has(key)) this.#storeValue(key, fromWire(value, false));
        }
        missing.push(...reply.missing);
      } catch (error) {
        this.log.warn(`could not fetch ${keys.join(', ')} from ${holder}: ${(error as Error).message}`);
        missing.push(...keys);
      }
    }));
    task.transferMs += performance.now() - started;
    if (missing.length > 0 && this.#tasks.get(task.order.key) === task) {
      this.#tasks.delete(task.order.key);
      for (const key of task.missing) this.#waiters.get(key)?.delete(task);
      this.#link.send({ op: 'missing-data', key: task.order.key, missing });
    }
    this.#pump();
  }

  /** Copies results from a retiring worker, then tells the scheduler which arrived. */
  async #copyFrom(id: number, keys: string[], from: string): Promise<void> {
    const stored: string[] = [];
    const sizes: number[] = [];
    try {
      const reply = await this.#peers.getData(from, keys, 60_000);
      for (const [key, value] of Object.entries(reply.values)) {
        sizes.push(this.#storeValue(key, fromWire(value, true)));
        stored.push(key);
      }
    } catch (error) {
      this.log.warn(`could not copy ${keys.length} result(s) from retiring worker ${from}: ${(error as Error).message}`);
    }
    this.#link.send({ op: 'data-stored', id, keys: stored, nbytes: sizes });
  }

  #storeValue(key: string, value: StoredValue): number {
    const nbytes = value.body.byteLength + value.frames.reduce((n, f) => n + f.byteLength, 0);
    this.#store.set(key, { ...value, nbytes });
    const waiting = this.#waiters.get(key);
    if (waiting) {
      this.#waiters.delete(key);
      for (const task of waiting) {
        task.missing.delete(key);
        if (task.missing.size === 0 && task.state === 'waiting') this.#makeReady(task);
      }
    }
    return nbytes;
  }

  #makeReady(task: LocalTask): void {
    task.state = 'ready';
    this.#ready.push(task);
  }

  #cancel(key: string): void {
    const task = this.#tasks.get(key);
    if (!task) return;
    this.#tasks.delete(key);
    for (const dep of task.missing) this.#waiters.get(dep)?.delete(task);
    if (task.state === 'ready') this.#ready.removeWhere((t) => t === task);
    if (task.state === 'dispatched') {
      this.#byThreadId.delete(task.id);
      this.#releaseResources(task);
      this.#pool.cancel(task.id);
    }
  }

  // ------------------------------------------------------------------ running tasks

  #pump(): void {
    while (this.#ready.size > 0) {
      const head = this.#ready.peek()!;
      let url: string;
      try {
        url = this.#files.functionUrl(head.order.fn);
      } catch (error) {
        this.#ready.pop();
        this.#fail(head, toWireError(error, head.order.key), 0);
        continue;
      }
      const free = this.#pool.freeSlots(url);
      if (free === 0) return;
      const batch: ThreadTask[] = [];
      while (batch.length < free && this.#ready.size > 0) {
        const task = this.#ready.peek()!;
        if (this.#files.functionUrl(task.order.fn) !== url) break;
        if (!this.#acquireResources(task)) break;
        this.#ready.pop();
        task.state = 'dispatched';
        this.#byThreadId.set(task.id, task);
        batch.push(this.#threadTask(task, url));
      }
      if (batch.length === 0) return;
      const leftovers = new Set(this.#pool.dispatch(batch));
      for (const leftover of leftovers) {
        const task = this.#byThreadId.get(leftover.id)!;
        this.#byThreadId.delete(leftover.id);
        this.#releaseResources(task);
        task.state = 'ready';
        this.#ready.push(task);
      }
      for (const sent of batch) if (!leftovers.has(sent)) this.#chainBehind(sent);
    }
  }

  #threadTask(task: LocalTask, url: string): ThreadTask {
    return {
      id: task.id,
      key: task.order.key,
      fnUrl: url,
      args: fromWire(task.order.args, false),
      deps: task.order.deps.map((d) => [d.key, this.#store.get(d.key) ?? null] as [string, StoredValue | null]),
      keep: this.#waiters.has(task.order.key),
    };
  }

  /**
   * Tasks waiting only for inputs that run (or are queued) on the thread `sent` went to follow it onto
   * that thread at once, taking those inputs from the thread's own recent results: a chain of tasks
   * then runs back to back on one thread instead of bouncing through this main thread per link.
   */
  #chainBehind(sent: ThreadTask): void {
    const slot = this.#pool.placement.get(sent.id);
    if (slot === undefined) return;
    const onSlot = new Set<string>([sent.key]);
    const chained: LocalTask[] = [];
    const frontier = [sent.key];
    while (frontier.length > 0 && chained.length < 4_000) {
      const key = frontier.pop()!;
      for (const waiter of this.#waiters.get(key) ?? []) {
        if (waiter.state !== 'waiting' || waiter.order.resources) continue;
        let fits = true;
        for (const missing of waiter.missing) {
          const producer = this.#tasks.get(missing);
          const placed = onSlot.has(missing) || (producer?.state === 'dispatched' && this.#pool.placement.get(producer.id) === slot);
          if (!placed) {
            fits = false;
            break;
          }
        }
        if (!fits) continue;
        waiter.state = 'dispatched';
        chained.push(waiter);
        onSlot.add(waiter.order.key);
        frontier.push(waiter.order.key);
      }
    }
    if (chained.length === 0) return;
    const tasks = chained.map((task) => this.#threadTask(task, this.#files.functionUrl(task.order.fn)));
    if (!this.#pool.dispatchTo(slot, tasks)) {
      for (const task of chained) task.state = 'waiting';
      return;
    }
    for (const task of chained) {
      this.#byThreadId.set(task.id, task);
      for (const missing of task.missing) this.#waiters.get(missing)?.delete(task);
    }
  }

  #onRequeue(threadTask: ThreadTask): void {
    const task = this.#byThreadId.get(threadTask.id);
    if (!task) return;
    this.#byThreadId.delete(threadTask.id);
    task.state = 'waiting';
    task.missing.clear();
    for (const dep of task.order.deps) {
      if (this.#store.has(dep.key)) continue;
      task.missing.add(dep.key);
      this.#addWaiter(dep.key, task);
    }
    if (task.missing.size === 0) this.#makeReady(task);
    this.#schedulePump();
  }

  #acquireResources(task: LocalTask): boolean {
    const needs = task.order.resources;
    if (!needs) return true;
    const offered = this.options.resources ?? {};
    for (const [name, amount] of Object.entries(needs)) {
      if ((this.#resourcesInUse.get(name) ?? 0) + amount > (offered[name] ?? 0)) return false;
    }
    for (const [name, amount] of Object.entries(needs)) this.#resourcesInUse.set(name, (this.#resourcesInUse.get(name) ?? 0) + amount);
    return true;
  }

  #releaseResources(task: LocalTask): void {
    for (const [name, amount] of Object.entries(task.order.resources ?? {})) {
      this.#resourcesInUse.set(name, (this.#resourcesInUse.get(name) ?? 0) - amount);
    }
  }

  #onResult(threadTask: ThreadTask, result: ThreadOutcome): void {
    this.#starts.ended(threadTask.key, threadTask.fnUrl);
    const task = this.#byThreadId.get(threadTask.id);
    if (!task) return;
    this.#byThreadId.delete(threadTask.id);
    this.#releaseResources(task);
    if (this.#tasks.get(task.order.key) === task) this.#tasks.delete(task.order.key);
    if (result.ok) {
      const nbytes = this.#storeValue(task.order.key, result.value);
      const report: TaskFinishedReport = { key: task.order.key, nbytes, duration: result.duration, start: result.start, thread: result.thread, transfer: task.transferMs };
      if (nbytes <= INLINE_RESULT_BYTES) report.value = toWire(result.value);
      this.#queueReport(report);
    } else {
      this.#fail(task, result.error, result.duration, result.start, result.thread);
    }
    this.#schedulePump();
  }

  #fail(task: LocalTask, error: ReturnType<typeof toWireError>, duration: number, start = Date.now(), thread = -1): void {
    this.#tasks.delete(task.order.key);
    this.#link.send({ op: 'task-erred', key: task.order.key, error, duration, start, thread });
  }

  #reports: TaskFinishedReport[] = [];
  #reportScheduled = false;
  #queueReport(report: TaskFinishedReport): void {
    this.#reports.push(report);
    if (this.#reportScheduled) return;
    this.#reportScheduled = true;
    queueMicrotask(() => {
      this.#reportScheduled = false;
      const reports = this.#reports;
      this.#reports = [];
      this.#link.send({ op: 'task-finished', reports });
    });
  }

  #pumpScheduled = false;
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #onThreadLost(tasks: ThreadTask[], reason: string): void {
    for (const threadTask of tasks) {
      const task = this.#byThreadId.get(threadTask.id);
      if (!task) continue;
      this.#byThreadId.delete(threadTask.id);
      this.#releaseResources(task);
      if (reason === 'requeue') {
        task.state = 'ready';
        this.#ready.push(task);
      } else {
        this.#fail(task, { name: 'WorkerThreadError', message: `the task thread running ${task.order.key} died: ${reason}` }, 0);
      }
    }
    this.#schedulePump();
  }

  async #runEverywhere(id: number, fnHash: string, args: WireValue, kind: 'run' | 'setup', name = ''): Promise<void> {
    try {
      const url = this.#files.functionUrl(fnHash);
      const stored = fromWire(args, false);
      const results = await (kind === 'setup' ? this.#pool.addSetup(name, url, stored) : this.#pool.runOnAll(url, stored));
      if (kind === 'setup') {
        const failed = results.find((r) => !r.ok);
        if (failed) this.log.error(`worker setup ${JSON.stringify(name)} failed: ${failed.error?.name}: ${failed.error?.message}`);
        else this.log.info(`worker setup ${JSON.stringify(name)} done on ${results.length} thread(s)`);
      }
      const failed = results.find((r) => !r.ok);
      if (failed) this.#link.send({ op: 'run-result', id, error: failed.error });
      else this.#link.send({ op: 'run-result', id, ...(results[0]?.value ? { value: toWire(results[0].value) } : {}) });
    } catch (error) {
      this.#link.send({ op: 'run-result', id, error: toWireError(error) });
    }
  }

  // ------------------------------------------------------------------ peers

  #collect(keys: string[]): { values: Record<string, WireValue>; missing: string[] } {
    const values: Record<string, WireValue> = {};
    const missing: string[] = [];
    for (const key of keys) {
      const value = this.#store.get(key);
      if (value) values[key] = toWire(value);
      else missing.push(key);
    }
    return { values, missing };
  }

  #onPeerRequest(peer: string, raw: unknown): void {
    const { messages, errors } = validateBatch<PeerRequest>(raw, peerRequestSchema, `peer ${peer}`);
    for (const error of errors) this.log.warn(error.message);
    for (const request of messages) this.#peerServer.send(peer, { op: 'data', id: request.id, ...this.#collect(request.keys) });
  }

  // ------------------------------------------------------------------ life cycle

  #reset(): void {
    for (const task of this.#tasks.values()) if (task.state === 'dispatched') this.#pool.cancel(task.id);
    this.#tasks.clear();
    this.#byThreadId.clear();
    this.#waiters.clear();
    this.#ready = new Heap<LocalTask>((a, b) => a.order.priority !== b.order.priority ? a.order.priority > b.order.priority : a.id < b.id);
    this.#store.clear();
    this.#resourcesInUse.clear();
  }

  /** Stops the worker: tells the scheduler, ends the threads, closes sockets, removes the local directory. */
  close(reason = 'closed'): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      this.log.info(`closing: ${reason}`);
      for (const timer of this.#timers) clearInterval(timer);
      this.#starts.close();
      this.#link.send({ op: 'unregister', reason });
      await this.#link.close({ flush: true });
      await this.#peerServer.close();
      await this.#peers.close();
      await this.#pool.close();
      await new Promise<void>((done) => this.#logStream.end(done));
      if (!this.options.keepLocalDirectory) this.#files.remove();
      this.#closedResolve(reason);
    })();
    return this.#closing;
  }
}

function toWire(value: StoredValue): WireValue {
  return { body: value.body, frames: value.frames.map((f) => new OutOfBand(f)) };
}

/** `share`: copy large frames into SharedArrayBuffers so every task thread reads the same memory. */
function fromWire(value: WireValue, share: boolean): StoredValue {
  return {
    body: value.body,
    frames: value.frames.map((f) => {
      const bytes = f.bytes;
      if (!share || bytes.byteLength < SHARE_FRAME_BYTES || bytes.buffer instanceof SharedArrayBuffer) return bytes;
      const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
      shared.set(bytes);
      return shared;
    }),
  };
}

function isLoopbackAddress(address: string): boolean {
  return /^tcp:\/\/(127\.|localhost|\[::1\])/.test(address);
}
