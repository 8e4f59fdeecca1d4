/**
 * The engine behind a `Client`, as piscina's `ThreadPool` is behind `Piscina`: the session, the table of
 * futures, submission and the waits. The public `Client` holds one in a private field and forwards to it;
 * futures, views and the coordination primitives are handed this core explicitly, so nothing internal
 * shows on the `Client` itself.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterHandle } from '../cluster/cluster-handle.js';
import { coordinate, type CoordinationAnswer, type PlainRequest } from '../coordination/requests.js';
import { CancelledError, ConfigurationError, FlotillaError } from '../errors/index.js';
import { prepareFunction } from '../serialize/function-source.js';
import { runOnWorkers } from './cluster-operations.js';
import { fireAndForgetKeys } from './cluster-requests.js';
import { CollapseHints } from './collapse-hint.js';
import type { OpenedSession } from './connect.js';
import { Future, type FutureOwner, type WaitOptions } from './future.js';
import type { FutureState } from './future-state.js';
import { FutureTable } from './future-table.js';
import { checkRunOptions, checkSubmitOptions } from './option-checks.js';
import type { RunOptions, SubmitOptions } from './options.js';
import { readResult } from './results.js';
import type { PreparedTask, Session, SessionListener } from './session.js';
import { mapColumns, mapKeys, prepareTask, submitKey } from './task-preparation.js';
import { bounded } from './waiting.js';

/** A function of any arguments, as the core ships it. */
export type AnyFn = (...args: unknown[]) => unknown;

/** What a `ClientView` needs: submit, map and run with given options. */
export interface ViewTarget {
  submitWith(options: SubmitOptions, fn: AnyFn, args: unknown[]): Future<unknown>;
  mapWith(options: SubmitOptions, fn: AnyFn, iterables: Iterable<unknown>[]): Future<unknown>[];
  runWith(options: RunOptions, fn: AnyFn, args: unknown[]): Promise<Record<string, unknown>>;
}

/** The core of each live Client, for modules handed a Client by the user (`new Lock(name, { client })`). */
const cores = new WeakMap<object, ClientCore>();

/**
 * The core of `client` (a `Client`); for the coordination primitives, which users give a Client.
 * @throws FlotillaError when `client` is not a Client.
 */
export function coreOf(client: object): ClientCore {
  const core = cores.get(client);
  if (!core) throw new FlotillaError(`expected a Client (from Client.connect() or getClient()), got ${String(client)}`);
  return core;
}

/** One client's session and futures. Made by `Client.connect` through {@link ClientCore.open}. */
export class ClientCore implements FutureOwner, ViewTarget {
  /** Used for {@link clientId} when the session has no scheduler to know it (sync mode). */
  readonly #localId = randomUUID();
  /** The futures of this client, one state per key. */
  readonly futures = new FutureTable();
  readonly #collapseHints = new CollapseHints();
  /** Pending `waitForWorkers` calls: woken when the worker count changes, failed when the client closes. */
  readonly #workerWaiters = new Set<{ wake(): void; fail(error: Error): void }>();
  #opened!: OpenedSession;
  #closed = false;

  private constructor() {}

  /** The client's id as the scheduler knows it (its task stream names the client `client <id>`). */
  get clientId(): string {
    return this.#opened.session.clientId ?? this.#localId;
  }

  /** Opens a session with `open(listener)` and builds the core on it; `facade` (the Client) is registered for {@link coreOf}. */
  static async open(facade: (core: ClientCore) => object, open: (listener: SessionListener) => Promise<OpenedSession>): Promise<ClientCore> {
    const core = new ClientCore();
    core.#opened = await open(core.futures.listener(() => core.#wakeWorkerWaiters()));
    core.futures.attach(core.#opened.session);
    cores.set(facade(core), core);
    return core;
  }

  /** The connection to the scheduler (or the in-caller sync session). */
  get session(): Session {
    return this.#opened.session;
  }

  /** The cluster the client goes through, when it was given one or started one. */
  get cluster(): ClusterHandle | undefined {
    return this.#opened.cluster;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** @throws FlotillaError ("`what` on a closed client") after `close()`. */
  checkOpen(what: string): void {
    if (this.#closed) throw new FlotillaError(`${what} on a closed client; connect a new one with Client.connect()`);
  }

  /** A new handle on `key` owned by this client. */
  futureFor(key: string): Future<unknown> {
    return new Future<unknown>(this.futures.stateFor(key), this);
  }

  submitWith(options: SubmitOptions, fn: AnyFn, args: unknown[]): Future<unknown> {
    this.checkOpen('submit');
    checkSubmitOptions(options, 'submit');
    const shipped = prepareFunction(fn, { what: 'submit' });
    const task = prepareTask(this, shipped, fn, args, options, submitKey(options.key), 'submit');
    const future = this.futureFor(task.key);
    this.session.submit([task]);
    return future;
  }

  mapWith(options: SubmitOptions, fn: AnyFn, iterables: Iterable<unknown>[]): Future<unknown>[] {
    this.checkOpen('map');
    checkSubmitOptions(options, 'map');
    const columns = mapColumns(iterables);
    const length = columns[0]!.length;
    const keys = mapKeys(options.key, length);
    const shipped = prepareFunction(fn, { what: 'map' });
    const futures: Future<unknown>[] = new Array(length);
    const tasks: PreparedTask[] = new Array(length);
    const createdBefore = this.futures.created;
    const prefix = keys ? undefined : (options.key as string | undefined);
    // The element's name is put together only for an error message (prepareTask calls it synchronously).
    let element = 0;
    const what = (): string => `map (element ${element})`;
    for (let i = 0; i < length; i++) {
      const args: unknown[] = new Array(columns.length);
      for (let c = 0; c < columns.length; c++) args[c] = columns[c]![i];
      element = i;
      const task = prepareTask(this, shipped, fn, args, options, keys?.[i], what, prefix);
      futures[i] = this.futureFor(task.key);
      tasks[i] = task;
    }
    // Every key new to the table: no call repeated another's key, so there is nothing to hint about.
    const everyKeyNew = this.futures.created - createdBefore === length;
    if (options.pure !== false && keys === undefined && !everyKeyNew) this.#collapseHints.check(shipped.name, shipped.hash, tasks.map((t) => t.key));
    this.session.submit(tasks);
    return futures;
  }

  async runWith(options: RunOptions, fn: AnyFn, args: unknown[]): Promise<Record<string, unknown>> {
    this.checkOpen('run');
    checkRunOptions(options);
    return runOnWorkers(this.session, options, fn, args);
  }

  resultOf(state: FutureState, options?: WaitOptions): Promise<unknown> {
    return readResult(state, this.session, options);
  }

  async cancelKeys(keys: string[], force = false): Promise<void> {
    this.futures.cancel(keys);
    this.session.cancel(keys, force);
  }

  async retryKeys(keys: string[]): Promise<void> {
    this.checkOpen('retry');
    this.session.retry(this.futures.retry(keys));
  }

  trackHandle(future: Future<unknown>, state: FutureState): void {
    this.futures.track(future, state);
  }

  releaseHandle(state: FutureState, handle: object): void {
    this.futures.release(state, handle);
  }

  /** Lets the scheduler hold `keys` until they finish (see the top-level `fireAndForget`). */
  fireAndForget(keys: string[]): void {
    this.checkOpen('fireAndForget');
    fireAndForgetKeys(this.session, keys);
  }

  /** One request of Lock, Event, Queue, Variable or the datasets, with futures both ways. */
  coordinate(request: PlainRequest, payload?: { value: unknown }): Promise<CoordinationAnswer> {
    this.checkOpen(`${request.kind} ${request.action}`);
    return coordinate(this.session, request, payload, (key) => this.futureFor(key));
  }

  /** See `Client.waitForWorkers`. */
  async waitForWorkers(n: number, options: WaitOptions): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw new ConfigurationError(`waitForWorkers expects a whole number of workers >= 0, got ${String(n)}`);
    this.checkOpen('waitForWorkers');
    if (this.session.workerCount() >= n) return;
    let waiter!: { wake(): void; fail(error: Error): void };
    const reached = new Promise<void>((resolve, reject) => {
      waiter = {
        wake: () => {
          if (this.session.workerCount() >= n) resolve();
        },
        fail: reject,
      };
      this.#workerWaiters.add(waiter);
    });
    try {
      await bounded(reached, options, () => {
        const have = this.session.workerCount();
        const extra = this.cluster?.describeWorkers?.();
        return `waitForWorkers(${n}) timed out after ${options.timeoutMs} ms: ${have} worker${have === 1 ? '' : 's'} connected${extra ? `; ${extra}` : ''}`;
      });
    } finally {
      this.#workerWaiters.delete(waiter);
    }
  }

  /** Releases every future, disconnects, and closes the cluster the client started, if any. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.futures.close();
    for (const waiter of [...this.#workerWaiters]) {
      const have = this.session.workerCount();
      waiter.fail(new CancelledError(`waitForWorkers: the client was closed while waiting (${have} worker${have === 1 ? '' : 's'} connected); wait before closing, or pass a signal to stop the wait on purpose`));
    }
    await this.session.close();
    if (this.#opened.ownedCluster) await this.#opened.ownedCluster.close();
  }

  #wakeWorkerWaiters(): void {
    for (const waiter of [...this.#workerWaiters]) waiter.wake();
  }
}
