/**
 * Carries out what the worker's task state (state/task-state.ts) decides: the state is given the
 * thread pool and the local files to dispatch through, and this adds the rest of the I/O it asks for,
 * fetching inputs from peers and sending reports to the scheduler, batched per turn of the event loop.
 * It also feeds the thread pool's and the worker's events into the state. Kept apart from the state so
 * that the decisions can be tested with plain event sequences, and from the worker's scheduler link and
 * life cycle because this is where a task's hot path runs.
 */
import type { ComputeOrder, WireError, WireValue, WorkerToScheduler } from '../protocol/messages.js';
import { valuesBytes } from '../protocol/wire-size.js';
import type { DealerLink } from '../transport/endpoints.js';
import type { PeerPool } from '../transport/peer-pool.js';
import type { Logger } from '../util/logger.js';
import type { LocalFiles } from './local-files.js';
import { WorkerTaskState } from './state/task-state.js';
import type { DirectOrigin, FetchRequest, TaskEffects } from './state/types.js';
import type { StoredData } from './stored-data.js';
import type { ThreadPool } from './thread-pool.js';
import type { StoredValue, ThreadOutcome, ThreadTask } from './thread-protocol.js';

export class LocalTasks {
  readonly #state: WorkerTaskState;
  #pumpScheduled = false;

  constructor(
    data: StoredData,
    pool: ThreadPool,
    files: LocalFiles,
    private readonly peers: PeerPool,
    private readonly link: DealerLink<WorkerToScheduler>,
    private readonly log: Logger,
    offeredResources: Record<string, number>,
    answerDirect: TaskEffects['answerDirect'],
  ) {
    const effects: TaskEffects = {
      send: (message) => this.link.send(message),
      reportsQueued: () => queueMicrotask(this.#sendReports),
      pumpSoon: () => this.#schedulePump(),
      fetch: (request) => void this.#fetch(request),
      answerDirect,
    };
    this.#state = new WorkerTaskState(data, pool, files, effects, { offeredResources });
  }

  /** Tasks accepted and not yet finished, failed or cancelled. */
  get size(): number {
    return this.#state.size;
  }

  accept(order: ComputeOrder): void {
    this.#state.accept(order);
  }

  /** A client's direct actor call (direct-calls.ts); the error to answer at once when it cannot run here. */
  acceptDirect(order: ComputeOrder, origin: DirectOrigin): WireError | undefined {
    const error = this.#state.acceptDirect(order, origin);
    if (!error) this.#schedulePump();
    return error;
  }

  /** Keeps a value and readies the tasks that waited only for it; returns its size in bytes. */
  storeValue(key: string, value: StoredValue): number {
    return this.#state.storeValue(key, value);
  }

  cancel(key: string): void {
    this.#state.cancel(key);
  }

  /** Sends ready tasks to threads with room, in priority order, a batch per function. */
  pump(): void {
    this.#state.pump();
  }

  onRequeue(threadTask: ThreadTask): void {
    this.#state.threadRequeued(threadTask);
  }

  onResult(threadTask: ThreadTask, result: ThreadOutcome): void {
    this.#state.threadFinished(threadTask, result);
  }

  onThreadLost(tasks: ThreadTask[], reason: string): void {
    this.#state.threadLost(tasks, reason);
  }

  onActorThreadEnded(actor: string, tasks: ThreadTask[], reason: string): void {
    this.#state.actorThreadEnded(actor, tasks, reason);
  }

  /** The scheduler freed these keys: an actor among them ends. */
  freed(keys: string[]): void {
    for (const key of keys) this.#state.freed(key);
  }

  /** Drops every task (cancelling those on threads), as when the scheduler forgot this worker. */
  reset(): void {
    this.#state.reset();
  }

  async #fetch(request: FetchRequest): Promise<void> {
    const started = performance.now();
    const missing = [...request.unavailable];
    await Promise.all([...request.byHolder].map(async ([holder, keys]) => {
      try {
        const start = Date.now();
        const reply = await this.peers.getData(holder, keys, 30_000);
        this.#moved(holder, reply.values, start);
        for (const [key, value] of Object.entries(reply.values)) this.#state.inputFetched(key, value);
        missing.push(...reply.missing);
      } catch (error) {
        this.log.warn(`could not fetch ${keys.join(', ')} from ${holder}: ${(error as Error).message}`);
        missing.push(...keys);
      }
    }));
    this.#state.fetchDone(request, missing, performance.now() - started);
  }

  /** Tells the scheduler about results fetched from a peer, for the task stream. */
  #moved(holder: string, values: Record<string, WireValue>, start: number): void {
    const keys = Object.keys(values);
    if (keys.length > 0) this.link.send({ op: 'transfers', transfers: [{ keys, source: holder, start, stop: Date.now(), nbytes: valuesBytes(values) }] });
  }

  /** Completion reports of one turn of the event loop travel in one message. */
  readonly #sendReports = (): void => {
    this.link.send({ op: 'task-finished', reports: this.#state.takeReports() });
  };

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(this.#scheduledPump);
  }

  readonly #scheduledPump = (): void => {
    this.#pumpScheduled = false;
    this.#state.pump();
  };
}
