/**
 * The scheduler process's I/O: one ROUTER socket over the pure `SchedulerState`. It decodes and validates
 * messages, feeds them to the state, sends what the state queued, and runs the timers (heartbeats,
 * time-outs). Clients and workers share the socket; a peer's first message says which it is.
 */
import { EventEmitter } from 'node:events';
import { FlotillaError, ProtocolError, TimeoutError } from '../errors/index.js';
import type {
  ClientToScheduler, HandlerTable, TaskRunRecord, WireError, WireValue, WorkerSummary, WorkerToScheduler,
} from '../protocol/messages.js';
import { OutOfBand } from '../protocol/out-of-band.js';
import { clientToSchedulerSchema, validateBatch, workerToSchedulerSchema } from '../protocol/validate.js';
import { toWireError } from '../protocol/wire-error.js';
import { RouterEndpoint } from '../transport/endpoints.js';
import { LocalLink } from '../transport/local-link.js';
import { Logger } from '../util/logger.js';
import { shortId } from '../util/ids.js';
import type { SchedulerOptions } from './options.js';
import { FanOut } from './requests.js';
import { TaskStreamRecorder } from './task-stream.js';
import { SchedulerState } from './state/scheduler-state.js';
import type { ClientRecord, WorkerRecord } from './state/types.js';

export type { SchedulerOptions };

/** One task run as seen by the scheduler: what the dashboard's task stream draws. */
export type TaskRun = TaskRunRecord;

export interface SchedulerEvents {
  'worker-added': [WorkerSummary];
  'worker-removed': [WorkerSummary, string];
  /** Emitted only while someone listens (the dashboard, a performance report): free otherwise. */
  'task-run': [TaskRun];
}

const WORKER_OPS = new Set(Object.keys(workerToSchedulerSchema));

interface RunAnswer { value?: WireValue; error?: WireError }

export class SchedulerServer extends EventEmitter<SchedulerEvents> {
  readonly id = `scheduler-${shortId()}`;
  readonly state: SchedulerState;
  readonly log = new Logger('scheduler');
  #endpoint: RouterEndpoint;
  #address = '';
  #timers: NodeJS.Timeout[] = [];
  #nextRequest = 1;
  #runs = new Map<number, FanOut<RunAnswer>>();
  #stores = new Map<number, FanOut<{ keys: string[]; nbytes: number[] }>>();
  #uploadsInFlight = new Map<number, FanOut<WireError | undefined>>();
  #logRequests = new Map<number, FanOut<string[]>>();
  /** Worker setups (registerWorkerSetup), run on every worker that joins before its first task. */
  readonly setups = new Map<string, { fn: string; args: WireValue }>();
  #dataRequests = new Map<number, (values: Record<string, WireValue>, missing: string[]) => void>();
  /** Uploaded files, re-sent to every worker that joins later. */
  readonly uploads = new Map<string, Uint8Array>();
  /** Cumulative counts, for rates on the dashboard. */
  readonly counters = { messagesIn: 0, messagesOut: 0 };
  /** Recent task runs; records once someone asks for them (dashboard, getTaskStream). */
  readonly taskStream = new TaskStreamRecorder(this);
  #closed = false;
  #localLinks = new Map<string, LocalLink>();
  readonly heartbeatMs: number;
  readonly #workerTtlMs: number;
  readonly #clientTtlMs: number;

  private constructor(private readonly options: SchedulerOptions) {
    super();
    this.state = new SchedulerState({ allowedFailures: options.allowedFailures, validate: options.validate });
    this.heartbeatMs = options.heartbeatMs ?? 500;
    this.#workerTtlMs = options.workerTtlMs ?? 10_000;
    this.#clientTtlMs = options.clientTtlMs ?? 60_000;
    this.#endpoint = new RouterEndpoint((peer, error) => this.#sendFailed(peer, error), options.security);
  }

  /** Starts a scheduler listening on `host:port` (port 0: any free port). */
  static async start(options: SchedulerOptions = {}): Promise<SchedulerServer> {
    const server = new SchedulerServer(options);
    const host = options.host ?? '127.0.0.1';
    server.#address = await server.#endpoint.bind(`tcp://${host}:${options.port ?? 0}`);
    server.#endpoint.start(
      (peer, raw) => server.#onBatch(peer, raw),
      (peer, error) => server.log.warn(`${new ProtocolError(`dropped undecodable frames from ${printable(peer)}: ${(error as Error).message}`).message}`),
    );
    const tick = setInterval(() => server.#checkLiveness(), server.heartbeatMs);
    tick.unref();
    server.#timers.push(tick);
    return server;
  }

  /** `tcp://host:port` as workers and clients should dial it. */
  get address(): string {
    return this.#address;
  }

  get workerCount(): number {
    return this.state.workers.size;
  }

  workerSummaries(): WorkerSummary[] {
    return [...this.state.workers.values()].map(summarize);
  }

  /** A cluster saw its worker process exit: remove it now rather than after the heartbeat time-out. */
  removeWorkerByName(name: string, reason: string): void {
    const worker = this.state.workerByName(name);
    if (worker) this.#removeWorker(worker.peer, reason);
  }

  /**
   * Retires workers gracefully: they take no new tasks, what they run is rescheduled, results only they
   * hold are copied to other workers, then they are told to close. Resolves when they are gone.
   */
  async retireWorkers(names: string[], reason = 'retired'): Promise<void> {
    const leaving = names.map((name) => this.state.workerByName(name)).filter((w): w is WorkerRecord => w?.status === 'running');
    // All of them stop taking work first, so none receives the results of another that is leaving too.
    for (const worker of leaving) this.state.beginRetire(worker);
    this.#flush();
    await Promise.all(leaving.map((worker) => this.#handOffAndClose(worker, reason)));
  }

  async #retire(worker: WorkerRecord, reason: string): Promise<void> {
    if (worker.status !== 'running') return;
    this.state.beginRetire(worker);
    this.#flush();
    await this.#handOffAndClose(worker, reason);
  }

  async #handOffAndClose(worker: WorkerRecord, reason: string): Promise<void> {
    const keys = this.state.keysOnlyOn(worker);
    const others = [...this.state.workers.values()].filter((w) => w.status === 'running' && w !== worker);
    if (keys.length > 0 && others.length > 0) {
      const plan = new Map<WorkerRecord, string[]>();
      keys.forEach((key, i) => {
        const target = others[i % others.length]!;
        plan.set(target, [...(plan.get(target) ?? []), key]);
      });
      const id = this.#nextRequest++;
      await new Promise<void>((resolve) => {
        this.#stores.set(id, new FanOut([...plan.keys()].map((w) => w.peer), (answers) => {
          this.#stores.delete(id);
          for (const [peer, answer] of answers) {
            const holder = this.state.workers.get(peer);
            if (holder) this.state.addReplicas(holder, answer.keys);
          }
          resolve();
        }, 60_000));
        for (const [target, subset] of plan) this.#send(target.peer, { op: 'fetch-data', id, keys: subset, from: worker.info.address });
        this.#flush();
      });
      this.log.info(`worker ${worker.id} retiring: moved ${keys.length} result(s) to other workers`);
    }
    if (!this.state.workers.has(worker.peer)) return;
    this.#send(worker.peer, { op: 'close', reason });
    this.#removeWorker(worker.peer, `retired (${reason})`, true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (const worker of this.state.workers.values()) this.#send(worker.peer, { op: 'close', reason: 'scheduler closing' });
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    await this.#endpoint.close();
  }

  // ------------------------------------------------------------------ inbound

  #onBatch(peer: string, raw: unknown): void {
    if (this.#closed) return;
    if (Array.isArray(raw)) this.counters.messagesIn += raw.length;
    const now = Date.now();
    const worker = this.state.workers.get(peer);
    const client = worker ? undefined : this.state.clients.get(peer);
    const schema = worker ? workerToSchedulerSchema : client ? clientToSchedulerSchema : { ...clientToSchedulerSchema, ...workerToSchedulerSchema };
    const { messages, errors } = validateBatch<ClientToScheduler | WorkerToScheduler>(raw, schema, printable(peer));
    for (const error of errors) this.log.warn(error.message);
    for (const message of messages) {
      try {
        if (worker) {
          worker.lastSeen = now;
          this.#workerHandlers(worker)[message.op as WorkerToScheduler['op']](message as never);
        } else if (client) {
          client.lastSeen = now;
          this.#clientHandlers(client)[message.op as ClientToScheduler['op']](message as never);
        } else {
          this.#fromUnknownPeer(peer, message, now);
        }
      } catch (error) {
        this.log.error(`failed handling ${message.op} from ${printable(peer)}: ${(error as Error).stack}`);
      }
    }
    this.#flush();
  }

  #fromUnknownPeer(peer: string, message: ClientToScheduler | WorkerToScheduler, now: number): void {
    if (message.op === 'hello') {
      this.state.addClient(peer, message.clientId, now);
      this.#send(peer, { op: 'welcome', schedulerId: this.id, workers: this.state.workers.size });
    } else if (message.op === 'register') {
      this.#registerWorker(peer, message.worker as WorkerToScheduler & never, now);
    } else if (WORKER_OPS.has(message.op)) {
      // A worker we removed (time-out) still talks: tell it to register again.
      this.#send(peer, { op: 'unknown-worker' });
    } else {
      this.log.warn(new ProtocolError(`dropped ${message.op} from ${printable(peer)}, which never said hello`).message);
    }
  }

  #registerWorker(peer: string, info: Parameters<SchedulerState['addWorker']>[1], now: number): void {
    const previous = this.state.workerByName(info.name);
    if (previous) this.#removeWorker(previous.peer, `replaced by a new worker named ${info.name}`);
    const worker = this.state.addWorker(peer, { ...info, resources: info.resources ?? {} }, now);
    this.#send(peer, { op: 'registered', workerId: worker.id, schedulerId: this.id, heartbeatMs: this.heartbeatMs });
    for (const [name, data] of this.uploads) {
      this.#send(peer, { op: 'upload-file', id: 0, name, data: new OutOfBand(data) });
    }
    for (const [name, setup] of this.setups) {
      this.#ensureFunction(worker, setup.fn);
      this.#send(peer, { op: 'setup', id: 0, name, fn: setup.fn, args: setup.args });
    }
    this.log.info(`worker ${worker.id} joined from ${info.address} with ${info.nthreads} threads`);
    this.#broadcastWorkerCount();
    this.state.fill();
    this.emit('worker-added', summarize(worker));
  }

  #clientHandlers(client: ClientRecord): HandlerTable<ClientToScheduler> {
    return {
      hello: () => this.#send(client.peer, { op: 'welcome', schedulerId: this.id, workers: this.state.workers.size }),
      functions: (m) => this.state.registerFunctions(m.fns),
      submit: (m) => this.state.submit(client, m.tasks),
      release: (m) => this.state.release(client, m.keys),
      cancel: (m) => this.state.cancel(client, m.keys),
      'who-has': (m) => this.#send(client.peer, { op: 'who-has-reply', id: m.id, holders: this.state.whoHas(m.keys) }),
      'gather-proxy': (m) => this.#gatherProxy(client, m.id, m.keys),
      run: (m) => this.#runOn(client, m.id, this.#targets(m.workers), m.fn, (id) => ({ op: 'run', id, fn: m.fn, args: m.args, timeoutMs: m.timeoutMs }), m.timeoutMs),
      'register-setup': (m) => {
        this.setups.set(m.name, { fn: m.fn, args: m.args });
        this.#runOn(client, m.id, this.#targets(undefined), m.fn, (id) => ({ op: 'setup', id, name: m.name, fn: m.fn, args: m.args }), m.timeoutMs);
      },
      'unregister-setup': (m) => {
        const existed = this.setups.delete(m.name);
        for (const worker of this.#targets(undefined)) this.#send(worker.peer, { op: 'remove-setup', name: m.name });
        const errors = existed ? {} : { scheduler: toWireError(new FlotillaError(`no worker setup is registered under the name ${JSON.stringify(m.name)}`)) };
        this.#send(client.peer, { op: 'run-reply', id: m.id, results: {}, errors });
      },
      'worker-logs': (m) => this.#collectLogs(client, m.id, m.tail, m.workers),
      scatter: (m) => this.#scatter(client, m),
      'upload-file': (m) => this.#upload(client, m.id, m.name, m.data),
      info: (m) => this.#send(client.peer, {
        op: 'info-reply', id: m.id, workers: this.workerSummaries(), tasks: this.state.countsByState(),
      }),
      'task-stream': (m) => {
        this.taskStream.start();
        this.#send(client.peer, { op: 'task-stream-reply', id: m.id, runs: this.taskStream.since(m.since) });
      },
      heartbeat: () => {},
      goodbye: () => this.state.removeClient(client.peer),
    };
  }

  #workerHandlers(worker: WorkerRecord): HandlerTable<WorkerToScheduler> {
    return {
      register: (m) => this.#registerWorker(worker.peer, m.worker, Date.now()),
      heartbeat: (m) => {
        this.state.heartbeat(worker, m.executing, m.memory, Date.now());
        this.#send(worker.peer, { op: 'heartbeat-ack' });
      },
      'task-finished': (m) => {
        if (this.listenerCount('task-run') > 0) {
          for (const r of m.reports) {
            this.emit('task-run', {
              key: r.key, group: this.state.tasks.get(r.key)?.group ?? 'unknown', worker: worker.id, thread: r.thread,
              start: r.start, stop: r.start + r.duration / 1000, status: 'memory', nbytes: r.nbytes, transfer: r.transfer,
            });
          }
        }
        this.state.taskFinished(worker, m.reports);
      },
      'task-erred': (m) => {
        if (this.listenerCount('task-run') > 0) {
          this.emit('task-run', {
            key: m.key, group: this.state.tasks.get(m.key)?.group ?? 'unknown', worker: worker.id, thread: m.thread,
            start: m.start, stop: m.start + m.duration / 1000, status: 'erred', nbytes: 0, transfer: 0,
          });
        }
        this.state.taskErred(worker, m.key, m.error, m.duration);
      },
      started: (m) => this.state.started(worker, m.keys),
      'missing-data': (m) => this.state.missingData(worker, m.key, m.missing),
      'data-stored': (m) => this.#stores.get(m.id)?.answer(worker.peer, { keys: m.keys, nbytes: m.nbytes }),
      'run-result': (m) => {
        if (m.id === 0 && m.error) this.log.warn(`a worker setup failed on ${worker.id} as it joined: ${m.error.name}: ${m.error.message}`);
        this.#runs.get(m.id)?.answer(worker.peer, { value: m.value, error: m.error });
      },
      logs: (m) => this.#logRequests.get(m.id)?.answer(worker.peer, m.lines),
      'data-reply': (m) => {
        const done = this.#dataRequests.get(m.id);
        this.#dataRequests.delete(m.id);
        done?.(m.values, m.missing);
      },
      'upload-done': (m) => this.#uploadsInFlight.get(m.id)?.answer(worker.peer, m.error),
      unregister: (m) => this.#removeWorker(worker.peer, m.reason, true),
      'retire-me': (m) => void this.#retire(worker, m.reason),
    };
  }

  // ------------------------------------------------------------------ requests fanned out to workers

  #targets(names: string[] | undefined): WorkerRecord[] {
    const all = [...this.state.workers.values()].filter((w) => w.status === 'running');
    if (!names || names.length === 0) return all;
    return all.filter((w) => names.some((n) => n === w.id || n === w.info.address || n === w.info.host));
  }

  #ensureFunction(worker: WorkerRecord, hash: string): void {
    if (worker.knownFunctions.has(hash)) return;
    const fn = this.state.functions.get(hash);
    if (fn) this.#send(worker.peer, { op: 'functions', fns: [fn] });
    worker.knownFunctions.add(hash);
  }

  /** Runs a function on workers (run or setup) and answers the client once, with per-worker results and errors. */
  #runOn(client: ClientRecord, replyId: number, targets: WorkerRecord[], fn: string, message: (id: number) => object, timeoutMs: number): void {
    const id = this.#nextRequest++;
    const byPeer = new Map(targets.map((w) => [w.peer, w.id]));
    this.#runs.set(id, new FanOut<RunAnswer>(byPeer.keys(), (answers, missing) => {
      this.#runs.delete(id);
      const results: Record<string, WireValue> = {};
      const errors: Record<string, WireError> = {};
      for (const [peer, answer] of answers) {
        const name = byPeer.get(peer)!;
        if (answer.error) errors[name] = answer.error;
        else if (answer.value) results[name] = answer.value;
      }
      for (const peer of missing) {
        const name = byPeer.get(peer)!;
        const gone = !this.state.workers.has(peer);
        errors[name] = toWireError(new TimeoutError(gone
          ? `worker ${name} left before it finished`
          : `worker ${name} did not finish within ${timeoutMs} ms`));
      }
      this.#send(client.peer, { op: 'run-reply', id: replyId, results, errors });
      this.#flush();
    }, timeoutMs));
    for (const worker of targets) {
      this.#ensureFunction(worker, fn);
      this.#send(worker.peer, message(id));
    }
  }

  #collectLogs(client: ClientRecord, replyId: number, tail: number, names: string[] | undefined): void {
    const targets = this.#targets(names);
    const id = this.#nextRequest++;
    const byPeer = new Map(targets.map((w) => [w.peer, w.id]));
    this.#logRequests.set(id, new FanOut<string[]>(byPeer.keys(), (answers, missing) => {
      this.#logRequests.delete(id);
      const logs: Record<string, string[]> = {};
      for (const [peer, lines] of answers) logs[byPeer.get(peer)!] = lines;
      for (const peer of missing) logs[byPeer.get(peer)!] = ['(no answer from this worker)'];
      this.#send(client.peer, { op: 'worker-logs-reply', id: replyId, logs });
      this.#flush();
    }, 10_000));
    for (const worker of targets) this.#send(worker.peer, { op: 'get-logs', id, tail });
  }

  #scatter(client: ClientRecord, m: Extract<ClientToScheduler, { op: 'scatter' }>): void {
    const targets = this.#targets(m.workers);
    if (targets.length === 0) {
      this.#send(client.peer, {
        op: 'scatter-reply', id: m.id,
        error: toWireError(new TimeoutError('scatter needs at least one worker and none is connected; call client.waitForWorkers(1) first')),
      });
      return;
    }
    const id = this.#nextRequest++;
    const plan = new Map<string, number[]>();
    m.keys.forEach((_, i) => {
      const chosen = m.broadcast ? targets : [targets[(this.#nextRequest + i) % targets.length]!];
      for (const w of chosen) plan.set(w.peer, [...(plan.get(w.peer) ?? []), i]);
    });
    this.#stores.set(id, new FanOut(plan.keys(), (answers, missing) => {
      this.#stores.delete(id);
      for (const [peer, answer] of answers) {
        const holder = this.state.workers.get(peer);
        if (holder) this.state.addData(client, answer.keys, answer.nbytes, [holder]);
      }
      const error = missing.length === plan.size
        ? toWireError(new TimeoutError('every worker chosen for scatter left before storing the data'))
        : undefined;
      this.#send(client.peer, { op: 'scatter-reply', id: m.id, ...(error ? { error } : {}) });
      this.#flush();
    }));
    for (const [peer, indices] of plan) {
      this.#send(peer, { op: 'store-data', id, keys: indices.map((i) => m.keys[i]!), values: indices.map((i) => m.values[i]!) });
    }
  }

  #upload(client: ClientRecord, requestId: number, name: string, data: OutOfBand): void {
    const bytes = Uint8Array.from(data.bytes);
    this.uploads.set(name, bytes);
    const targets = this.#targets(undefined);
    const id = this.#nextRequest++;
    const byPeer = new Map(targets.map((w) => [w.peer, w.id]));
    this.#uploadsInFlight.set(id, new FanOut<WireError | undefined>(byPeer.keys(), (answers, missing) => {
      this.#uploadsInFlight.delete(id);
      const errors: Record<string, WireError> = {};
      const workers: string[] = [];
      for (const [peer, error] of answers) {
        if (error) errors[byPeer.get(peer)!] = error;
        else workers.push(byPeer.get(peer)!);
      }
      for (const peer of missing) errors[byPeer.get(peer)!] = toWireError(new TimeoutError('worker left during the upload'));
      this.#send(client.peer, { op: 'upload-reply', id: requestId, workers, errors });
      this.#flush();
    }, 60_000));
    for (const worker of targets) this.#send(worker.peer, { op: 'upload-file', id, name, data: new OutOfBand(bytes) });
  }

  #gatherProxy(client: ClientRecord, requestId: number, keys: string[]): void {
    const byHolder = new Map<WorkerRecord, string[]>();
    const missing: string[] = [];
    for (const key of keys) {
      const holder = this.state.tasks.get(key)?.holders.values().next().value as WorkerRecord | undefined;
      if (!holder) missing.push(key);
      else byHolder.set(holder, [...(byHolder.get(holder) ?? []), key]);
    }
    const values: Record<string, WireValue> = {};
    let pending = byHolder.size;
    const finish = () => {
      this.#send(client.peer, { op: 'gather-reply', id: requestId, values, missing });
      this.#flush();
    };
    if (pending === 0) return finish();
    for (const [holder, subset] of byHolder) {
      const id = this.#nextRequest++;
      this.#dataRequests.set(id, (got, notThere) => {
        Object.assign(values, got);
        missing.push(...notThere);
        if (--pending === 0) finish();
      });
      this.#send(holder.peer, { op: 'get-data', id, keys: subset });
    }
  }

  // ------------------------------------------------------------------ liveness and sending

  #checkLiveness(): void {
    const now = Date.now();
    for (const worker of [...this.state.workers.values()]) {
      if (now - worker.lastSeen > this.#workerTtlMs) {
        this.#removeWorker(worker.peer, `no heartbeat for ${Math.round((now - worker.lastSeen) / 1000)} s (worker TTL ${this.#workerTtlMs} ms)`);
      }
    }
    for (const client of [...this.state.clients.values()]) {
      if (now - client.lastSeen > this.#clientTtlMs) {
        this.log.warn(`client ${client.id} silent for ${this.#clientTtlMs} ms: releasing its futures`);
        this.state.removeClient(client.peer);
      }
    }
    this.#flush();
  }

  #removeWorker(peer: string, reason: string, graceful = false): void {
    const worker = this.state.removeWorker(peer, reason, graceful);
    if (!worker) return;
    this.log.info(`worker ${worker.id} removed: ${reason}`);
    for (const fan of this.#runs.values()) fan.drop(peer);
    for (const fan of this.#stores.values()) fan.drop(peer);
    for (const fan of this.#uploadsInFlight.values()) fan.drop(peer);
    for (const fan of this.#logRequests.values()) fan.drop(peer);
    this.#broadcastWorkerCount();
    this.#flush();
    this.emit('worker-removed', summarize(worker), reason);
  }

  #broadcastWorkerCount(): void {
    for (const client of this.state.clients.values()) {
      this.#send(client.peer, { op: 'workers-changed', count: this.state.workers.size });
    }
  }

  #flush(): void {
    for (const out of this.state.takeOutgoing()) this.#send(out.peer, out.message);
  }

  #send(peer: string, message: object): void {
    this.counters.messagesOut++;
    const local = this.#localLinks.get(peer);
    if (local) local.deliver(message);
    else this.#endpoint.send(peer, message);
  }

  /** A link for a client in this same process: messages pass as objects, with no encoding. */
  openLocalLink(routingId: string): LocalLink {
    const link = new LocalLink(
      routingId,
      (peer, batch) => this.#onBatch(peer, batch),
      (peer) => this.#localLinks.delete(peer),
    );
    this.#localLinks.set(routingId, link);
    return link;
  }

  #sendFailed(peer: string, error: unknown): void {
    if (this.#closed) return;
    const code = (error as { code?: string }).code;
    if (code === 'EHOSTUNREACH') {
      // The peer's connection is gone. A worker will be removed by its heartbeat time-out; say so once.
      this.log.debug(`peer ${printable(peer)} unreachable`);
      return;
    }
    this.log.warn(`sending to ${printable(peer)} failed: ${(error as Error).message}`);
  }
}

function summarize(worker: WorkerRecord): WorkerSummary {
  return {
    id: worker.id,
    name: worker.info.name,
    host: worker.info.host,
    address: worker.info.address,
    nthreads: worker.info.nthreads,
    memoryLimit: worker.info.memoryLimit,
    memory: worker.memory,
    running: worker.executing.size,
    queued: Math.max(0, worker.processing.size - worker.executing.size),
    resources: worker.info.resources,
    pid: worker.info.pid,
    ...(worker.info.jobId ? { jobId: worker.info.jobId } : {}),
  };
}

function printable(peer: string): string {
  return /^[\x20-\x7e]+$/.test(peer) ? peer : Buffer.from(peer, 'latin1').toString('hex');
}

