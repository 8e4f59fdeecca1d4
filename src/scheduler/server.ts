/**
 * The scheduler process's I/O: one ROUTER socket over the pure `SchedulerState`. It decodes and validates
 * messages, feeds them to the state, sends what the state queued, and runs the timers (heartbeats,
 * time-outs). Clients and workers share the socket; a peer's first message says which it is.
 *
 * What each message does is in client-handlers.ts and worker-handlers.ts, the requests fanned out to
 * workers in worker-requests.ts, and graceful retirement in retirement.ts; they reach the scheduler
 * through the `SchedulerContext` (context.ts) the server creates privately, never the server itself.
 */
import { EventEmitter } from 'node:events';
import { ProtocolError } from '../errors/index.js';
import type {
  HandlerTable, ClientToScheduler, ProfileQuery, SchedulerMessage, SchedulerToClient, WorkerRegistration, WorkerSummary,
  WorkerToScheduler,
} from '../protocol/messages.js';
import {
  clientToSchedulerSchema, validateBatch, workerToSchedulerSchema, type MessageSchemas,
} from '../protocol/validate.js';
import { RouterEndpoint } from '../transport/endpoints.js';
import type { LocalLink } from '../transport/local-link.js';
import { Logger } from '../util/logger.js';
import { printable } from '../util/printable.js';
import { shortId } from '../util/ids.js';
import { clientHandlers } from './client-handlers.js';
import { ClusterControl } from './cluster-control.js';
import type { SchedulerContext } from './context.js';
import { Coordination } from './coordination.js';
import type { SchedulerEvents, TaskRun } from './events.js';
import { Holders } from './holders.js';
import { PeerNotices } from './peer-notices.js';
import { PeerSender } from './peer-sender.js';
import type { SchedulerOptions } from './options.js';
import { readFirstMessage } from './first-message.js';
import { registrationProblem } from './registration.js';
import { retireWorkers } from './retirement.js';
import { TaskStreamRecorder } from './task-stream.js';
import { schedulerView, type SchedulerView } from './scheduler-view.js';
import { forwardTransitions } from './transition-feed.js';
import { ProfileRequests, type CollectedProfiles } from './profile-requests.js';
import { SchedulerState } from './state/scheduler-state.js';
import { SLICE_STEPS } from './state/slice-stats.js';
import { SliceRunner } from './slicing.js';
import type { ClientRecord, WorkerRecord } from './state/types.js';
import { workerHandlers } from './worker-handlers.js';
import { summarize } from './worker-summary.js';
import { WorkerRequests, type RequestIo } from './worker-requests.js';

export type { SchedulerOptions, SchedulerEvents, TaskRun };
export type { ConnectedClientView, GroupProgress, SchedulerView, StoryEntry, TaskStateName, TaskView, WorkerView } from './scheduler-view.js';



/**
 * The scheduler: accepts clients and workers on one ZeroMQ ROUTER socket, keeps the task graph and
 * assigns tasks to workers, and removes workers it has not heard from for `workerTtlMs`. Start it with
 * {@link SchedulerServer.start} (the constructor is private); LocalCluster and the `flotilla-scheduler`
 * command do that for you. Emits the {@link SchedulerEvents}.
 *
 * @example
 * ```ts
 * const scheduler = await SchedulerServer.start({ host: '127.0.0.1', port: 0 });
 * scheduler.on('worker-added', (worker) => console.log(`${worker.name} joined with ${worker.nthreads} threads`));
 * console.log(scheduler.address); // tcp://127.0.0.1:<free port>: give it to workers and Client.connect
 * // …
 * await scheduler.close();
 * ```
 */
export class SchedulerServer extends EventEmitter<SchedulerEvents> {
  /** This scheduler's id: `scheduler-<short random id>`. */
  readonly id = `scheduler-${shortId()}`;
  /**
   * The scheduler's tasks, workers and clients, read-only and live (as Dask's `scheduler.tasks`,
   * `scheduler.workers`, `scheduler.clients`), with counts, stories and an invariant check.
   */
  readonly view: SchedulerView;
  readonly #state: SchedulerState;
  /** This scheduler's logger (`scheduler`). */
  readonly log = new Logger('scheduler');
  #endpoint: RouterEndpoint<SchedulerMessage>;
  /** Warnings, refusal answers and `unknown-worker` notices, kept few (see peer-notices.ts). */
  readonly #notices = new PeerNotices((line) => this.log.warn(line), (peer, message) => this.#send(peer, message));
  #address = '';
  #timers: NodeJS.Timeout[] = [];
  /** The status page's URL while a dashboard serves this scheduler; told to every client that connects. */
  dashboardLink: string | undefined;
  #messagesIn = 0;
  /** Recent task runs; records once someone asks for them (dashboard, getTaskStream). */
  readonly #taskStream = new TaskStreamRecorder(this);
  /** Holders of keys that no client holds (fire-and-forget, published datasets, coordination values). */
  readonly #holders: Holders;
  /** Named Locks, Events, Queues, Variables and published datasets. */
  readonly #coordination: Coordination;
  /** Samples asked of workers (`client.profile`, the dashboard's flame graph). */
  readonly #profiles: ProfileRequests;
  #closed = false;
  /** How often workers send heartbeats and liveness is checked, in milliseconds. @defaultValue 500 */
  readonly heartbeatMs: number;
  readonly #workerTtlMs: number;
  readonly #clientTtlMs: number;
  readonly #requests: WorkerRequests;
  readonly #context: SchedulerContext;
  readonly #control = new ClusterControl();
  readonly #sender = new PeerSender((peer, message) => this.#endpoint.send(peer, message));
  /** Big stimuli go on over later turns; a client's messages wait behind its keys not yet taken in. */
  readonly #slices: SliceRunner;

  private constructor(options: SchedulerOptions) {
    super();
    this.#state = new SchedulerState({ allowedFailures: options.allowedFailures, validate: options.validate, transitionLimit: options.transitionLimit, stepsPerTurn: SLICE_STEPS });
    this.#slices = new SliceRunner(this.#state, () => this.#flush());
    forwardTransitions(this, this.#state);
    this.view = schedulerView(this.#state, () => this.#messagesIn, () => this.#sender.sent);
    this.heartbeatMs = options.heartbeatMs ?? 500;
    this.#workerTtlMs = options.workerTtlMs ?? 10_000;
    this.#clientTtlMs = options.clientTtlMs ?? 60_000;
    this.#endpoint = new RouterEndpoint<SchedulerMessage>((peer, error) => this.#sendFailed(peer, error), options.security, { limits: options.limits });
    const io: RequestIo = {
      send: (peer, message) => this.#send(peer, message),
      flush: () => this.#flush(),
    };
    this.#requests = new WorkerRequests(this.#state, io);
    this.#profiles = new ProfileRequests(io);
    this.#holders = new Holders(this.#state);
    this.#coordination = new Coordination({ ...io, state: this.#state, holders: this.#holders });
    this.#context = {
      ...io,
      state: this.#state,
      log: this.log,
      holders: this.#holders,
      requests: this.#requests,
      control: this.#control,
      coordination: this.#coordination,
      taskStream: this.#taskStream,
      profiles: this.#profiles,
      events: this,
      welcome: () => this.#welcome(),
      workerSummaries: () => this.workerSummaries(),
      registerWorker: (peer, info, now) => this.#registerWorker(peer, info, now),
      removeWorker: (peer, reason, graceful) => this.#removeWorker(peer, reason, graceful),
    };
  }

  /** Starts a scheduler listening on `host:port` (port 0: any free port), or at `listen`. */
  static async start(options: SchedulerOptions = {}): Promise<SchedulerServer> {
    const server = new SchedulerServer(options);
    const host = options.host ?? '127.0.0.1';
    server.#address = await server.#endpoint.bind(options.listen ?? `tcp://${host}:${options.port ?? 0}`);
    server.#endpoint.start(
      (peer, raw) => server.#onBatch(peer, raw),
      (peer, error) => server.#notices.warnings.warn('undecodable', new ProtocolError(`dropped undecodable frames from ${printable(peer)}: ${(error as Error).message}`).message),
      (peer) => server.#peerDisconnected(peer),
    );
    const tick = setInterval(() => server.#checkLiveness(), server.heartbeatMs);
    tick.unref();
    server.#timers.push(tick);
    return server;
  }

  /** `tcp://host:port` (or the `ipc://` address) as workers and clients should dial it. */
  get address(): string {
    return this.#address;
  }

  /** Workers registered now. */
  get workerCount(): number {
    return this.#state.workers.size;
  }

  /** One {@link WorkerSummary} per registered worker, now. */
  workerSummaries(): WorkerSummary[] {
    return [...this.#state.workers.values()].map(summarize);
  }

  /** A cluster saw its worker process exit: remove it now rather than after the heartbeat time-out. */
  removeWorkerByName(name: string, reason: string): void {
    const worker = this.#state.workerByName(name);
    if (worker) this.#removeWorker(worker.peer, reason);
  }

  /**
   * Retires workers gracefully: they take no new tasks, what they run is rescheduled, results only they
   * hold are copied to other workers, then they are told to close. Resolves when they are gone.
   */
  async retireWorkers(names: string[], reason = 'retired'): Promise<void> {
    await retireWorkers(this.#context, names, reason);
  }

  /**
   * Task runs that stopped at or after `since` (ms since the epoch), oldest first, from a bounded ring
   * buffer. The scheduler records runs from the first call on (as for `client.getTaskStream()`).
   */
  taskRuns(since = 0): TaskRun[] {
    this.#taskStream.start();
    return this.#taskStream.since(since);
  }

  /**
   * The task threads' stack samples that match `query`, from the running workers (all, or those named
   * by id, name, address or host), as `client.profile` gets them; the dashboard's flame graph reads this.
   */
  profile(query: ProfileQuery, workers?: string[]): Promise<CollectedProfiles> {
    return this.#profiles.collect(this.#requests.targets(workers), query);
  }

  /**
   * Tells every worker to close, sends pending frees, stops the timers and closes the socket. Calling it
   * again does nothing.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const worker of this.#state.workers.values()) this.#send(worker.peer, { op: 'close', reason: 'scheduler closing' });
    this.#sender.flushAll();
    this.#closed = true;
    this.#slices.close();
    for (const timer of this.#timers) clearInterval(timer);
    this.#notices.close();
    await this.#endpoint.close();
  }

  #onBatch(peer: string, raw: unknown): void {
    if (this.#closed) return;
    const began = performance.now();
    if (Array.isArray(raw)) this.#messagesIn += raw.length;
    const now = Date.now();
    const worker = this.#state.workers.get(peer);
    const client = worker ? undefined : this.#state.clients.get(peer);
    if (worker) {
      this.#serve<WorkerToScheduler>(peer, raw, workerToSchedulerSchema, 'worker', worker, this.#workerTable(worker), now);
    } else if (client) {
      this.#serve<ClientToScheduler>(peer, raw, clientToSchedulerSchema, 'client', client, this.#clientTable(client), now);
    } else {
      this.#fromUnknownPeer(peer, raw, now);
    }
    this.#flush();
    this.#slices.schedule();
    this.#state.slices.batchTook(performance.now() - began);
  }

  /** Validates a known peer's batch in full, then hands each valid message to its handler. */
  #serve<M extends { op: string }>(
    peer: string, raw: unknown, schema: MessageSchemas<M>, role: 'worker' | 'client', record: { lastSeen: number }, table: HandlerTable<M>, now: number,
  ): void {
    const { messages, errors } = validateBatch<M>(raw, schema, `${role} ${printable(peer)}`);
    // A client may be waiting for an answer to what it sent: it hears why the message was refused.
    this.#notices.refused(peer, errors, role === 'client');
    for (const message of messages) {
      record.lastSeen = now;
      if (role === 'client' && this.#slices.mustHold(record as ClientRecord)) {
        this.#slices.hold(record as ClientRecord, () => this.#handle(peer, table, message));
        continue;
      }
      this.#handle(peer, table, message);
    }
  }

  #handle<M extends { op: string }>(peer: string, table: HandlerTable<M>, message: M): void {
    try {
      (table[message.op as M['op']] as (m: M) => void)(message);
    } catch (error) {
      this.log.error(`failed handling ${message.op} from ${printable(peer)}: ${(error as Error).stack}`);
    }
  }

  // Handler tables are built once per peer: a table is a dozen closures, too many to make per message.
  #workerTables = new WeakMap<WorkerRecord, HandlerTable<WorkerToScheduler>>();
  #clientTables = new WeakMap<ClientRecord, HandlerTable<ClientToScheduler>>();

  #workerTable(worker: WorkerRecord): HandlerTable<WorkerToScheduler> {
    let table = this.#workerTables.get(worker);
    if (!table) this.#workerTables.set(worker, (table = workerHandlers(this.#context, worker)));
    return table;
  }

  #clientTable(client: ClientRecord): HandlerTable<ClientToScheduler> {
    let table = this.#clientTables.get(client);
    if (!table) this.#clientTables.set(client, (table = clientHandlers(this.#context, client)));
    return table;
  }

  /** What a client is told when it says hello: who we are, how many workers, and the dashboard's link. */
  #welcome(): Extract<SchedulerToClient, { op: 'welcome' }> {
    const message: Extract<SchedulerToClient, { op: 'welcome' }> = { op: 'welcome', schedulerId: this.id, workers: this.#workersTakingTasks() };
    if (this.dashboardLink !== undefined) message.dashboardLink = this.dashboardLink;
    return message;
  }

  /**
   * A peer we do not know may only say `hello` (a client) or `register` (a worker). A worker we removed
   * that still talks is told `unknown-worker` once, so it registers again once; the rest is dropped.
   */
  #fromUnknownPeer(peer: string, raw: unknown, now: number): void {
    const reading = readFirstMessage(peer, raw);
    if (!reading.found) {
      if (reading.fromWorker) this.#notices.tellUnknown(peer, now);
      else this.#notices.warnings.warn('never said hello', new ProtocolError(`dropped a message from ${printable(peer)}, which never said hello`).message);
      return;
    }
    this.#notices.refused(peer, reading.errors, false);
    const message = reading.message;
    if (!message) {
      // A would-be worker hears why (at most once a second, as a client hears of its errors) instead of waiting.
      if (reading.register && reading.errors[0] && this.#notices.mayAnswer(peer, now)) {
        this.#send(peer, { op: 'register-refused', reason: reading.errors[0].message, retry: false });
      }
      return;
    }
    if (message.op === 'hello') {
      this.#state.addClient(peer, message.clientId, now);
      this.#send(peer, this.#welcome());
    } else {
      this.#notices.forget(peer);
      this.#registerWorker(peer, message.worker, now);
    }
    // What came after the first message in the same batch is served now that the peer is known.
    if (reading.rest.length > 0) this.#onBatch(peer, reading.rest);
  }

  /** A peer's connection closed: a worker is removed at once (its process died, or it left). */
  #peerDisconnected(peer: string): void {
    if (this.#closed) return;
    this.#notices.forget(peer);
    if (this.#state.workers.has(peer)) this.#removeWorker(peer, 'its connection closed (the worker process exited or its network went away)');
  }

  #registerWorker(peer: string, info: WorkerRegistration, now: number): void {
    const problem = registrationProblem(info);
    if (problem) {
      this.log.warn(new ProtocolError(`refused a register from ${printable(peer)}: ${problem}`).message);
      this.#send(peer, { op: 'register-refused', reason: problem, retry: false });
      return;
    }
    const previous = this.#state.workerByName(info.name);
    if (previous && previous.peer !== peer) {
      // Never evict a live worker for a newcomer: the newcomer retries for a while, and gets in once the
      // old one is removed (it left, died and was noticed, or timed out).
      const reason = `a live worker is registered under the name ${JSON.stringify(info.name)} (${previous.id}, pid ${previous.info.pid} on ${previous.info.host})`;
      if (!this.#refusedNames.has(info.name)) this.log.warn(`refused a second worker named ${JSON.stringify(info.name)} from ${printable(peer)}: ${reason}`);
      this.#refusedNames.add(info.name);
      this.#send(peer, { op: 'register-refused', reason, retry: true });
      return;
    }
    this.#refusedNames.delete(info.name);
    if (previous) {
      // The same worker asking twice (a retry crossed our answer): it is registered; say so again.
      this.#send(peer, { op: 'registered', schedulerId: this.id, heartbeatMs: this.heartbeatMs });
      return;
    }
    const sameConnection = this.#state.workers.get(peer);
    if (sameConnection) this.#removeWorker(peer, `registered again on the same connection as ${JSON.stringify(info.name)}`);
    const worker = this.#state.addWorker(peer, { ...info, resources: info.resources ?? {} }, now);
    this.#send(peer, { op: 'registered', schedulerId: this.id, heartbeatMs: this.heartbeatMs });
    this.#requests.workerJoined(worker);
    this.log.info(`worker ${worker.id} joined from ${info.address} with ${info.nthreads} threads`);
    this.#state.fill();
    this.emit('worker-added', summarize(worker));
  }

  /** Names under which a second registration was refused and said so (one warning per live worker). */
  readonly #refusedNames = new Set<string>();

  #checkLiveness(): void {
    const now = Date.now();
    this.#notices.prune(now);
    for (const worker of [...this.#state.workers.values()]) {
      if (now - worker.lastSeen > this.#workerTtlMs) {
        this.#removeWorker(worker.peer, `no heartbeat for ${Math.round((now - worker.lastSeen) / 1000)} s (worker TTL ${this.#workerTtlMs} ms)`);
      }
    }
    for (const client of [...this.#state.clients.values()]) {
      if (now - client.lastSeen > this.#clientTtlMs) {
        this.log.warn(`client ${client.id} silent for ${this.#clientTtlMs} ms: releasing its futures`);
        this.#coordination.clientLeft(client);
        this.#slices.forget(client);
        this.#state.removeClient(client.peer);
      }
    }
    this.#flush();
  }

  #removeWorker(peer: string, reason: string, graceful = false): void {
    const worker = this.#state.removeWorker(peer, reason, graceful);
    if (!worker) return;
    this.#sender.forget(peer);
    this.log.info(`worker ${worker.id} removed: ${reason}`);
    this.#requests.workerLeft(peer);
    this.#profiles.workerLeft(peer);
    this.#control.workerLeft(peer);
    this.#flush();
    this.emit('worker-removed', summarize(worker), reason);
  }

  /** The worker count clients were last told (a new client hears it in `welcome`). */
  #announcedWorkers = 0;

  /**
   * Tells clients the count of workers that take tasks when it changed since they were last told: once
   * per flush, and without the workers being retired, so that a worker retired as it registers (its job
   * was retired) is never counted by `client.waitForWorkers`.
   */
  #announceWorkerCount(): void {
    const count = this.#workersTakingTasks();
    if (count === this.#announcedWorkers) return;
    this.#announcedWorkers = count;
    for (const client of this.#state.clients.values()) this.#send(client.peer, { op: 'workers-changed', count });
  }

  #workersTakingTasks(): number {
    let count = 0;
    for (const worker of this.#state.workers.values()) if (worker.status === 'running') count++;
    return count;
  }

  #flush(): void {
    this.#announceWorkerCount();
    // Letting go of settled fire-and-forget keys queues frees, never news for a holder: two rounds at most.
    for (let round = 0; round < 2; round++) {
      for (const out of this.#state.takeOutgoing()) {
        if (!this.#holders.intercept(out.peer, out.message)) this.#send(out.peer, out.message);
      }
      if (!this.#holders.settle()) return;
    }
  }

  #send(peer: string, message: SchedulerMessage): void {
    this.#sender.send(peer, message);
  }

  /** A link for a client in this same process: messages pass as objects, with no encoding. */
  openLocalLink(routingId: string): LocalLink {
    return this.#sender.openLocalLink(routingId, (peer, batch) => this.#onBatch(peer, batch));
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
