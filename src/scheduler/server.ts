/**
 * The scheduler's public face: it owns one ROUTER socket over the pure `SchedulerState`, wires the
 * parts below together, sends what the state queued, and runs the liveness timer. Clients and workers
 * share the socket; a peer's first message says which it is.
 *
 * The parts: intake.ts validates each batch and hands its messages to client-handlers.ts and
 * worker-handlers.ts; peers.ts registers and removes workers and lets clients go; liveness.ts removes
 * the silent ones; worker-requests.ts fans requests out to workers; retirement.ts retires workers.
 * They reach the scheduler through the `SchedulerContext` (context.ts) the server creates privately,
 * never the server itself.
 */
import { EventEmitter } from 'node:events';
import { ProtocolError } from '../errors/index.js';
import { clientHeartbeatMs } from '../protocol/client-heartbeat.js';
import type { ProfileQuery, SchedulerMessage, SchedulerToClient, WorkerSummary } from '../protocol/messages.js';
import { RouterEndpoint } from '../transport/endpoints.js';
import type { LocalLink } from '../transport/local-link.js';
import { Logger } from '../util/logger.js';
import { printable } from '../util/printable.js';
import { shortId } from '../util/ids.js';
import { ClusterControl } from './cluster-control.js';
import type { SchedulerContext } from './context.js';
import { Coordination } from './coordination.js';
import type { SchedulerEvents, TaskRun } from './events.js';
import { Holders } from './holders.js';
import { Intake } from './intake.js';
import { checkLiveness, listeningClock, type LivenessParts } from './liveness.js';
import { PeerNotices } from './peer-notices.js';
import { PeerSender } from './peer-sender.js';
import { Peers } from './peers.js';
import type { SchedulerOptions } from './options.js';
import { retireWorkers } from './retirement.js';
import { TaskStreamRecorder } from './task-stream.js';
import { schedulerView, type SchedulerView } from './scheduler-view.js';
import { forwardTransitions } from './transition-feed.js';
import { ProfileRequests, type CollectedProfiles } from './profile-requests.js';
import { SchedulerState } from './state/scheduler-state.js';
import { SLICE_STEPS } from './state/slice-stats.js';
import { SliceRunner } from './slicing.js';
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
  readonly #requests: WorkerRequests;
  readonly #context: SchedulerContext;
  readonly #control = new ClusterControl();
  readonly #sender = new PeerSender((peer, message) => this.#endpoint.send(peer, message));
  /** Big stimuli go on over later turns; a client's messages wait behind its keys not yet taken in. */
  readonly #slices: SliceRunner;
  /** Workers joining and leaving, clients leaving, the worker count clients hear. */
  readonly #peers: Peers;
  /** Validates each batch and hands its messages to the peer's handler table. */
  readonly #intake: Intake;
  /** What the liveness check, run every `heartbeatMs`, reads and acts through. */
  readonly #liveness: LivenessParts;

  private constructor(options: SchedulerOptions) {
    super();
    this.#state = new SchedulerState({ allowedFailures: options.allowedFailures, validate: options.validate, transitionLimit: options.transitionLimit, stepsPerTurn: SLICE_STEPS });
    this.#slices = new SliceRunner(this.#state, () => this.#flush());
    forwardTransitions(this, this.#state);
    this.view = schedulerView(this.#state, () => this.#intake.messagesIn, () => this.#sender.sent);
    this.heartbeatMs = options.heartbeatMs ?? 500;
    this.#endpoint = new RouterEndpoint<SchedulerMessage>((peer, error) => this.#sendFailed(peer, error), options.security, { limits: options.limits });
    const io: RequestIo = {
      send: (peer, message) => this.#send(peer, message),
      flush: () => this.#flush(),
    };
    this.#requests = new WorkerRequests(this.#state, io);
    this.#profiles = new ProfileRequests(io);
    this.#holders = new Holders(this.#state);
    this.#coordination = new Coordination({ ...io, state: this.#state, holders: this.#holders });
    const peers = new Peers({
      ...io, schedulerId: this.id, heartbeatMs: this.heartbeatMs, state: this.#state, log: this.log, events: this,
      notices: this.#notices, sender: this.#sender, requests: this.#requests, profiles: this.#profiles,
      control: this.#control, coordination: this.#coordination, slices: this.#slices,
    });
    this.#peers = peers;
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
      registerWorker: (peer, info, now) => peers.registerWorker(peer, info, now),
      removeWorker: (peer, reason, graceful) => peers.removeWorker(peer, reason, graceful),
      removeClient: (client, reason) => peers.removeClient(client, reason),
    };
    this.#intake = new Intake({
      ...io, state: this.#state, log: this.log, notices: this.#notices, slices: this.#slices, peers,
      context: this.#context, welcome: () => this.#welcome(),
    });
    this.#liveness = {
      state: this.#state, peers, notices: this.#notices, log: this.log, flush: io.flush,
      workerTtlMs: options.workerTtlMs ?? 10_000, clientTtlMs: options.clientTtlMs ?? 60_000,
      intervalMs: this.heartbeatMs, clock: listeningClock(Date.now()),
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
      (peer) => {
        if (!server.#closed) server.#peers.disconnected(peer);
      },
    );
    const tick = setInterval(() => checkLiveness(server.#liveness, Date.now()), server.heartbeatMs);
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
    if (worker) this.#peers.removeWorker(worker.peer, reason);
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
    if (!this.#closed) this.#intake.onBatch(peer, raw);
  }

  /** What a client is told when it says hello: who we are, how many workers, and the dashboard's link. */
  #welcome(): Extract<SchedulerToClient, { op: 'welcome' }> {
    const message: Extract<SchedulerToClient, { op: 'welcome' }> = {
      op: 'welcome', schedulerId: this.id, workers: this.#peers.workersTakingTasks(), heartbeatMs: clientHeartbeatMs(this.#liveness.clientTtlMs),
    };
    if (this.dashboardLink !== undefined) message.dashboardLink = this.dashboardLink;
    return message;
  }

  #flush(): void {
    this.#peers.announceWorkerCount();
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
