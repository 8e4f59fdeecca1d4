/**
 * A client's link to a scheduler over ZeroMQ. Submissions and releases are queued in order and leave
 * as one batch per turn of the event loop (big ones in chunks, see outbox.ts); results of finished tasks arrive with the completion report
 * when small, or are fetched straight from the worker holding them.
 */
import { AuthenticationError, FlotillaError, TimeoutError } from '../errors/index.js';
import type { ClientToScheduler, FunctionSource, TaskRunRecord, HandlerTable, SchedulerToClient, TaskSpec, WireValue, WorkerSummary } from '../protocol/messages.js';
import { OutOfBand } from '../protocol/out-of-band.js';
import { schedulerToClientSchema, validateBatch } from '../protocol/validate.js';
import { fromWireError } from '../protocol/wire-error.js';
import { valuesBytes } from '../protocol/wire-size.js';
import type { ShippedFunction } from '../serialize/function-source.js';
import { decodeValue, type EncodedValue } from '../serialize/value-codec.js';
import { DealerLink } from '../transport/endpoints.js';
import type { MessageLink } from '../transport/local-link.js';
import { PeerPool } from '../transport/peer-pool.js';
import { peerCredentials, type CurveCredentials } from '../transport/security.js';
import { shortId } from '../util/ids.js';
import { emptyList } from '../util/empty.js';
import { Logger } from '../util/logger.js';
import { WarningSummary } from '../util/warning-summary.js';
import { boundClientHeartbeat, CLIENT_HEARTBEAT_MAX_MS } from '../protocol/client-heartbeat.js';
import { DirectCalls } from './direct-calls.js';
import { KeptTasks } from './kept-tasks.js';
import { rejoin, type PendingRequest } from './rejoin.js';
import { Outbox } from './outbox.js';
import type { ControlChannel, PreparedTask, RouteEvents, RunOutcome, Session, SessionListener } from './session.js';
import { NO_FIELDS } from './future-state.js';

type Reply = Extract<SchedulerToClient, { id: number }>;
/** Opens an in-process link to a scheduler living in this process. */
export type LocalLinkFactory = (routingId: string) => MessageLink;

const VERSION = '0.1.0';


export function toWireValue(encoded: EncodedValue): WireValue {
  return { body: encoded.body, frames: encoded.frames.length === 0 ? emptyList<OutOfBand>() : encoded.frames.map((f) => new OutOfBand(f)) };
}

function distinctKeys(keys: readonly string[]): string[] {
  if (keys.length === 0) return emptyList();
  return keys.length === 1 ? [keys[0]!] : [...new Set(keys)];
}

export function decodeWire(wire: WireValue): unknown {
  return decodeValue({ body: wire.body, frames: wire.frames.map((f) => f.bytes) });
}

function closedError(): FlotillaError {
  return new FlotillaError('the client was closed, so nothing more can be fetched from or asked of the cluster; gather the results you need before client.close(), or connect a new client');
}

export class RemoteSession implements Session {
  readonly log = new Logger('client');
  /** Warnings about bad messages from the scheduler: one line per kind every few seconds. */
  readonly #warnings = new WarningSummary((line) => this.log.warn(line));
  /** The scheduler's status page, as its welcome said (undefined when no dashboard serves it). */
  dashboardLink: string | undefined;
  #link: MessageLink;
  #peers: PeerPool;
  #workers = 0;
  #sentFunctions = new Set<string>();
  /** What goes to the scheduler, in order, merged and in chunks (see outbox.ts). */
  readonly #outbox = new Outbox((message) => this.#link.send(message), () => this.#link.drained?.() ?? Promise.resolve());
  #nextId = 1;
  #pending = new Map<number, PendingRequest<Reply>>();
  /** The tasks still wanted, to submit again if the scheduler forgets this client (see kept-tasks.ts). */
  readonly #kept = new KeptTasks();
  /** Set from saying hello again (the scheduler timed this client out) until the scheduler's welcome. */
  #rejoining = false;
  #closed = false;
  #welcome: ((workers: number) => void) | undefined;
  /** Settles with the first authentication failure of the link (never for an in-process link). */
  readonly #refused: Promise<AuthenticationError>;
  #connected = false;
  #heartbeat: NodeJS.Timeout | undefined;
  /** How often this client tells the scheduler it is alive (the scheduler's welcome may ask for more often). */
  #heartbeatMs = CLIENT_HEARTBEAT_MAX_MS;
  /** Actor calls sent straight to workers (src/actors/direct.ts). */
  readonly #direct: DirectCalls;

  private constructor(readonly address: string, readonly clientId: string, private readonly listener: SessionListener, security?: CurveCredentials, local?: LocalLinkFactory) {
    const routingId = `client-${clientId}`;
    let refuse: (error: AuthenticationError) => void = () => {};
    this.#refused = new Promise((resolve) => (refuse = resolve));
    if (local) {
      this.#link = local(routingId);
    } else {
      const link = new DealerLink(address, routingId, (error) => this.log.warn(`sending to the scheduler failed: ${(error as Error).message}`), security);
      link.onHandshakeFailure((error) => {
        // Before the welcome, connect() throws it; later (the scheduler restarted with other keys) it is said here.
        if (this.#connected) this.log.warn(error.message);
        refuse(error);
      });
      this.#link = link;
    }
    this.#peers = new PeerPool(this.log, security ? peerCredentials(security) : undefined);
    this.#direct = new DirectCalls(this.#peers, listener, (message) => this.#outbox.push(message));
  }

  /** Connects and waits for the scheduler's welcome; TimeoutError naming the address when nothing answers. */
  static async connect(address: string, listener: SessionListener, options: { timeoutMs: number; security?: CurveCredentials; local?: LocalLinkFactory }): Promise<RemoteSession> {
    if (!/^tcp:\/\/[^:]+:\d+$/.test(address) && !/^tcp:\/\/\[[^\]]+\]:\d+$/.test(address) && !/^ipc:\/\/\/./.test(address)) {
      throw new FlotillaError(`cannot connect to ${JSON.stringify(address)}: a scheduler address looks like tcp://host:port (for example tcp://127.0.0.1:8786) or ipc:///path/to/socket`);
    }
    const session = new RemoteSession(address, shortId(), listener, options.security, options.local);
    session.#link.start((raw) => session.#onBatch(raw), (error) => session.log.warn(`undecodable message from the scheduler: ${(error as Error).message}`));
    const welcomed = new Promise<number>((resolve) => (session.#welcome = resolve));
    session.#link.send({ op: 'hello', clientId: session.clientId, version: VERSION });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)));
    const outcome = await Promise.race([welcomed, timedOut, session.#refused]);
    clearTimeout(timer);
    if (outcome instanceof AuthenticationError) {
      await session.#link.close();
      await session.#peers.close();
      throw outcome;
    }
    if (outcome === 'timeout') {
      await session.#link.close();
      await session.#peers.close();
      throw new TimeoutError(
        `no flotilla scheduler answered at ${address} within ${options.timeoutMs} ms. Is it running and reachable from here? ` +
        'Start one with `flotilla-scheduler --host <host> --port <port>`, pass a cluster to Client.connect, or raise timeoutMs.' +
        (options.security ? '' : ' If the scheduler requires authentication (job-queue clusters do), connect with the cluster object.'),
      );
    }
    session.#workers = outcome;
    session.#connected = true;
    session.#heartbeat = setInterval(() => session.#link.send({ op: 'heartbeat' }), session.#heartbeatMs);
    session.#heartbeat.unref();
    return session;
  }

  workerCount(): number {
    return this.#workers;
  }

  readonly control: ControlChannel = {
    request: <R extends Reply>(make: (id: number) => ClientToScheduler) => this.#request<R>(make),
    send: (message: ClientToScheduler) => this.#send(message),
  };

  #send(message: ClientToScheduler): void {
    this.#direct.flush();
    this.#outbox.push(message);
  }

  #ensureFunction(fn: ShippedFunction): void {
    if (this.#sentFunctions.has(fn.hash)) return;
    this.#sentFunctions.add(fn.hash);
    const source: FunctionSource = { hash: fn.hash, name: fn.name, source: fn.moduleSource };
    this.#send({ op: 'functions', fns: [source] });
  }

  submit(tasks: PreparedTask[]): void {
    for (const task of tasks) this.#ensureFunction(task.fn);
    const specs = tasks.map((task) => this.#spec(task));
    this.#kept.submitted(specs);
    this.#send({ op: 'submit', tasks: specs });
  }

  callActor(task: PreparedTask, address: string, events: RouteEvents, endpoint: string | undefined): boolean {
    if (this.#closed) return false;
    this.#ensureFunction(task.fn);
    return this.#direct.call(this.#spec(task), address, events, endpoint);
  }

  #spec(task: PreparedTask): TaskSpec {
    const o = task.options;
    const spec: TaskSpec = {
      key: task.key, fn: task.fn.hash, args: toWireValue(task.encoded), deps: distinctKeys(task.encoded.refs),
      priority: o.priority ?? 0, retries: o.retries ?? 0, group: task.fn.name,
    };
    if (task.actor) {
      spec.actor = task.actor;
      if (task.actor.kind !== 'create') spec.deps = distinctKeys([task.actor.actor, ...task.encoded.refs]);
    }
    if (o.workers || o.resources) {
      spec.restrictions = {
        ...(o.workers ? { workers: o.workers, allowOtherWorkers: o.allowOtherWorkers ?? false } : {}),
        ...(o.resources ? { resources: o.resources } : {}),
      };
    }
    return spec;
  }

  release(keys: string[]): void {
    if (keys.length === 0) return;
    this.#kept.dropped(keys);
    if (this.#direct.used) this.#direct.release(keys);
    else this.#send({ op: 'release', keys });
  }

  retry(keys: string[]): void {
    if (keys.length) this.#send({ op: 'retry', keys });
  }

  cancel(keys: string[], force: boolean): void {
    this.#kept.dropped(keys);
    if (keys.length) this.#send(force ? { op: 'cancel', keys, force } : { op: 'cancel', keys });
  }

  #request<R extends Reply>(make: (id: number) => ClientToScheduler): Promise<R> {
    if (this.#closed) return Promise.reject(closedError());
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      const message = make(id);
      this.#pending.set(id, { message, resolve: resolve as (reply: Reply) => void, reject });
      this.#send(message);
    });
  }

  whoHas(keys: string[]): Promise<Record<string, string[]>> {
    return this.#request<Extract<Reply, { op: 'who-has-reply' }>>((id) => ({ op: 'who-has', id, keys })).then((r) => r.holders);
  }

  async fetch(keys: string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    const holders = await this.whoHas(keys);
    const byHolder = new Map<string, string[]>();
    const viaScheduler: string[] = [];
    for (const key of keys) {
      const first = holders[key]?.[0];
      if (first) byHolder.set(first, [...(byHolder.get(first) ?? []), key]);
      else viaScheduler.push(key);
    }
    await Promise.all([...byHolder].map(async ([holder, subset]) => {
      try {
        const start = Date.now();
        const reply = await this.#peers.getData(holder, subset, 30_000);
        const moved = Object.keys(reply.values);
        // The scheduler keeps the task stream: it hears of this move (one small message per fetch).
        if (moved.length > 0) this.#send({ op: 'transfers', transfers: [{ keys: moved, source: holder, start, stop: Date.now(), nbytes: valuesBytes(reply.values) }] });
        for (const [key, wire] of Object.entries(reply.values)) out.set(key, decodeWire(wire));
        viaScheduler.push(...reply.missing);
      } catch (error) {
        this.log.info(`direct fetch from ${holder} failed (${(error as Error).message}); asking the scheduler to relay`);
        viaScheduler.push(...subset);
      }
    }));
    if (viaScheduler.length) {
      const reply = await this.#request<Extract<Reply, { op: 'gather-reply' }>>((id) => ({ op: 'gather-proxy', id, keys: viaScheduler }));
      for (const [key, wire] of Object.entries(reply.values)) out.set(key, decodeWire(wire));
    }
    return out;
  }

  async run(fn: ShippedFunction, _callable: unknown, _args: unknown[], encoded: EncodedValue, options: { workers?: string[]; timeoutMs: number }): Promise<RunOutcome> {
    this.#ensureFunction(fn);
    const reply = await this.#request<Extract<Reply, { op: 'run-reply' }>>((id) => ({
      op: 'run', id, fn: fn.hash, args: toWireValue(encoded), timeoutMs: options.timeoutMs, ...(options.workers ? { workers: options.workers } : {}),
    }));
    return this.#outcome(reply);
  }

  async registerSetup(name: string, fn: ShippedFunction, encoded: EncodedValue, timeoutMs: number): Promise<RunOutcome> {
    this.#ensureFunction(fn);
    const reply = await this.#request<Extract<Reply, { op: 'run-reply' }>>((id) => ({
      op: 'register-setup', id, name, fn: fn.hash, args: toWireValue(encoded), timeoutMs,
    }));
    return this.#outcome(reply);
  }

  async unregisterSetup(name: string): Promise<RunOutcome> {
    return this.#outcome(await this.#request<Extract<Reply, { op: 'run-reply' }>>((id) => ({ op: 'unregister-setup', id, name })));
  }

  async workerLogs(tail: number, workers?: string[]): Promise<Record<string, string[]>> {
    const reply = await this.#request<Extract<Reply, { op: 'worker-logs-reply' }>>((id) => ({ op: 'worker-logs', id, tail, ...(workers ? { workers } : {}) }));
    return reply.logs;
  }

  #outcome(reply: Extract<Reply, { op: 'run-reply' }>): RunOutcome {
    const results = new Map<string, unknown>();
    for (const [worker, wire] of Object.entries(reply.results)) results.set(worker, decodeWire(wire));
    const errors = new Map<string, Error>();
    for (const [worker, wire] of Object.entries(reply.errors)) errors.set(worker, fromWireError(wire));
    return { results, errors };
  }

  async scatter(keys: string[], _values: unknown[], encoded: EncodedValue[], options: { broadcast: boolean; workers?: string[] }): Promise<number[]> {
    const reply = await this.#request<Extract<Reply, { op: 'scatter-reply' }>>((id) => ({
      op: 'scatter', id, keys, values: encoded.map(toWireValue), broadcast: options.broadcast, ...(options.workers ? { workers: options.workers } : {}),
    }));
    if (reply.error) throw fromWireError(reply.error);
    this.#kept.scattered(keys);
    return encoded.map((e) => e.body.byteLength + e.frames.reduce((n, f) => n + f.byteLength, 0));
  }

  async upload(name: string, data: Uint8Array): Promise<{ workers: string[]; errors: Map<string, Error> }> {
    const reply = await this.#request<Extract<Reply, { op: 'upload-reply' }>>((id) => ({ op: 'upload-file', id, name, data: new OutOfBand(data) }));
    return { workers: reply.workers, errors: new Map(Object.entries(reply.errors).map(([w, e]) => [w, fromWireError(e)])) };
  }

  info(): Promise<{ workers: WorkerSummary[]; tasks: Record<string, number> }> {
    return this.#request<Extract<Reply, { op: 'info-reply' }>>((id) => ({ op: 'info', id })).then((r) => ({ workers: r.workers, tasks: r.tasks }));
  }

  taskStream(since: number): Promise<TaskRunRecord[]> {
    return this.#request<Extract<Reply, { op: 'task-stream-reply' }>>((id) => ({ op: 'task-stream', id, since })).then((r) => r.runs);
  }

  #onBatch(raw: unknown): void {
    const { messages, errors } = validateBatch<SchedulerToClient>(raw, schedulerToClientSchema, 'scheduler');
    for (const error of errors) this.#warnings.warn(error.kind, error.message);
    for (const message of messages) this.#handlers[message.op](message as never);
  }

  readonly #handlers: HandlerTable<SchedulerToClient> = {
    welcome: (m) => {
      this.#workers = m.workers;
      this.dashboardLink = m.dashboardLink;
      // As often as the scheduler asks (its client TTL may be short), within bounds.
      this.#heartbeatMs = boundClientHeartbeat(m.heartbeatMs);
      this.#welcome?.(m.workers);
      this.#welcome = undefined;
      this.#rejoining = false;
    },
    'unknown-client': () => {
      // Once per absence: answers to what was sent before the new hello come before its welcome.
      if (this.#rejoining || this.#closed || !this.#connected) return;
      this.#rejoining = true;
      rejoin({ clientId: this.clientId, version: VERSION, send: (message) => this.#link.send(message), kept: this.#kept, pending: this.#pending, listener: this.listener, log: this.log });
    },
    'task-finished': (m) => {
      for (const item of m.items) {
        this.#direct.settledByScheduler(item.key);
        this.listener.finished(item.key, item.nbytes, item.value ? { wire: item.value } : NO_FIELDS);
      }
    },
    'task-erred': (m) => {
      this.#direct.settledByScheduler(m.key);
      this.listener.erred(m.key, fromWireError(m.error));
    },
    'task-cancelled': (m) => {
      this.#kept.dropped(m.keys);
      for (const key of m.keys) {
        this.#direct.settledByScheduler(key);
        this.listener.cancelled(key, m.reason);
      }
    },
    'task-lost': (m) => this.listener.lost(m.key, m.reason),
    'task-retried': (m) => {
      for (const key of m.keys) this.listener.retried(key);
    },
    'no-worker': (m) => this.log.warn(m.reason),
    'who-has-reply': (m) => this.#reply(m),
    'gather-reply': (m) => this.#reply(m),
    'run-reply': (m) => this.#reply(m),
    'scatter-reply': (m) => this.#reply(m),
    'upload-reply': (m) => this.#reply(m),
    'info-reply': (m) => this.#reply(m),
    'task-stream-reply': (m) => this.#reply(m),
    'worker-logs-reply': (m) => this.#reply(m),
    'control-reply': (m) => this.#reply(m),
    'coordinate-reply': (m) => this.#reply(m),
    'profile-reply': (m) => this.#reply(m),
    'workers-changed': (m) => {
      this.#workers = m.count;
      this.listener.workersChanged(m.count);
    },
    error: (m) => this.log.error(`the scheduler reported: ${m.error.message}`),
  };

  #reply(message: Reply): void {
    const pending = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    pending?.resolve(message);
  }

  async close(): Promise<void> {
    // Requests still waiting for the scheduler (fetching a large result, a run …) will get no answer.
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.reject(closedError());
    this.#pending.clear();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#kept.clear();
    this.#warnings.close();
    this.#direct.flush();
    this.#outbox.drainAll();
    this.#link.send({ op: 'goodbye' });
    await this.#link.close({ flush: true });
    await this.#peers.close();
  }
}
