/**
 * The Client: submit work, get futures back, gather results. Connects to a scheduler over ZeroMQ (a
 * LocalCluster it starts, a cluster object, or an address), or runs tasks in the caller (`sync` mode).
 */
import { randomUUID } from 'node:crypto';
import type { inspect, InspectOptionsStylized } from 'node:util';
import type { ClusterHandle } from '../cluster/cluster-handle.js';
import { performanceReport as writePerformanceReport } from '../dashboard/performance-report.js';
import { FlotillaError, ConfigurationError } from '../errors/index.js';
import type { TaskRunRecord, WorkerSummary } from '../protocol/messages.js';
import { prepareFunction } from '../serialize/function-source.js';
import { registerSetupOnWorkers, runOnWorkers, unregisterSetupOnWorkers, uploadToWorkers } from './cluster-operations.js';
import {
  fireAndForgetKeys, rebalanceKeys, replicateKeys, restartCluster, retireWorkers,
  type RebalanceOptions, type ReplicateOptions, type RestartOptions, type RetireOptions,
} from './cluster-requests.js';
import { openSession } from './connect.js';
import { checkName, coordinate, type CoordinationAnswer, type PlainRequest } from '../coordination/requests.js';
import { checkRunOptions, checkSubmitOptions } from './option-checks.js';
import { Future, type FutureOwner, type WaitOptions } from './future.js';
import type { FutureState } from './future-state.js';
import { FutureTable } from './future-table.js';
import type { ConnectOptions, RunOptions, ScatterOptions, SubmitOptions, ViewOptions } from './options.js';
import { progress as drawProgress, type ProgressOptions } from './progress.js';
import { gatherResults, readResult, type Gathered } from './results.js';
import type { PreparedTask, Session } from './session.js';
import { mapColumns, mapKeys, submitKey, prepareScatter, prepareTask } from './task-preparation.js';
import { bounded } from './waiting.js';
import { clientFields } from './client-summary.js';
import { inspectCustom, inspectSummary } from '../util/inspect-summary.js';
import { CollapseHints } from './collapse-hint.js';

export { UPLOAD_LIMIT_BYTES } from './cluster-operations.js';
export type { ScatterOptions } from './options.js';
export type { Gathered } from './results.js';

type Fn<A extends unknown[], R> = (...args: A) => R;
/** A value, a future of it, or (for arrays and plain objects) the same shape holding futures. */
export type Resolvable<T> =
  | T
  | Future<T>
  | (T extends readonly (infer U)[] ? readonly Resolvable<U>[] : T extends Record<string, unknown> ? { [K in keyof T]: Resolvable<T[K]> } : never);
/** Each argument position accepts a Resolvable of its type. */
type MaybeFuture<A extends unknown[]> = { [K in keyof A]: Resolvable<A[K]> };

/**
 * Submits functions to a cluster and hands back {@link Future}s for their results. Create one with
 * {@link Client.connect}; the constructor is private. Methods called after {@link Client.close} throw
 * `FlotillaError` ("… on a closed client"); bad options throw `ConfigurationError` naming the option.
 *
 * @example
 * ```ts
 * const client = await Client.connect({ nWorkers: 2 });
 * try {
 *   const squares = client.map((x: number) => x * x, [1, 2, 3]);
 *   const total = client.submit((xs: number[]) => xs.reduce((a, b) => a + b, 0), squares);
 *   console.log(await total); // 14
 * } finally {
 *   await client.close();
 * }
 * ```
 */
export class Client implements FutureOwner {
  /** This client's id (a random UUID), as the scheduler and `schedulerInfo()` know it. */
  readonly clientId = randomUUID();
  #session!: Session;
  readonly #futures = new FutureTable();
  readonly #collapseHints = new CollapseHints();
  #workerWaiters = new Set<() => void>();
  #ownedCluster: ClusterHandle | undefined;
  #cluster: ClusterHandle | undefined;
  #closed = false;

  private constructor() {}

  /**
   * Connects to a cluster. With no target: `FLOTILLA_SCHEDULER_ADDRESS` when set, else a new LocalCluster
   * (or the in-caller `sync` mode), chosen by `options.mode`, `FLOTILLA_MODE` or the config file.
   * @throws TimeoutError when no scheduler answers at the address within `timeoutMs`.
   * @example const client = await Client.connect(new LocalCluster({ nWorkers: 2 }));
   */
  static async connect(target?: string | ClusterHandle | ConnectOptions, maybeOptions: ConnectOptions = {}): Promise<Client> {
    const client = new Client();
    const opened = await openSession(target, maybeOptions, client.#futures.listener(() => client.#wakeWorkerWaiters()));
    client.#session = opened.session;
    client.#futures.attach(opened.session);
    client.#cluster = opened.cluster;
    client.#ownedCluster = opened.ownedCluster;
    Client.#latest = client;
    return client;
  }

  static #latest: Client | undefined;

  /** The client connected last in this process and not closed since (what `getClient()` returns outside a task). */
  static current(): Client | undefined {
    return Client.#latest;
  }

  /** The scheduler's address (`sync://in-process` in sync mode). */
  get schedulerAddress(): string {
    return this.#session.address;
  }

  /**
   * The cluster's status page: the cluster's link, or the one the scheduler told when connecting by
   * address. Undefined when no dashboard serves the scheduler (and in `sync` mode).
   */
  get dashboardLink(): string | undefined {
    return this.#cluster?.dashboardLink ?? this.#session.dashboardLink;
  }

  /**
   * Runs `body` and writes one self-contained HTML file with the task stream, progress per task group and
   * worker memory over that time (it opens without a server). The file is written even if `body` throws.
   */
  performanceReport<T>(file: string, body: () => Promise<T> | T): Promise<T> {
    return writePerformanceReport(this, file, body);
  }

  /** Workers connected now. */
  get workerCount(): number {
    return this.#session.workerCount();
  }

  /**
   * Runs `fn(...args)` on a worker. Futures anywhere inside `args` (nested arrays and plain objects too)
   * become dependencies: the task runs after them, with their results in their place.
   * @throws FunctionShippingError when `fn` cannot travel as source text (names the problem and the fix).
   * @throws SerializationError when an argument cannot be sent (names which and why).
   */
  submit<A extends unknown[], R>(fn: Fn<A, R>, ...args: MaybeFuture<A>): Future<Awaited<R>> {
    return this.#submitWith({}, fn as Fn<unknown[], unknown>, args as unknown[]) as Future<Awaited<R>>;
  }

  /** Maps `fn` over the iterables, zipped (all must have the same length): one future per element. */
  map<T extends unknown[], R>(fn: (...args: T) => R, ...iterables: { [K in keyof T]: Iterable<T[K] | Future<T[K]>> }): Future<Awaited<R>>[] {
    return this.#mapWith({}, fn as Fn<unknown[], unknown>, iterables as Iterable<unknown>[]) as Future<Awaited<R>>[];
  }

  /**
   * A view whose `submit`, `map` and `run` use these options.
   * @example client.with({ retries: 2, priority: 10 }).submit(fn, x)
   */
  with(options: ViewOptions): ClientView {
    return new ClientView(this, options);
  }

  /** @internal */
  #submitWith(options: SubmitOptions, fn: Fn<unknown[], unknown>, args: unknown[]): Future<unknown> {
    this.#checkOpen('submit');
    checkSubmitOptions(options, 'submit');
    const shipped = prepareFunction(fn, { what: 'submit' });
    const task = prepareTask(this, shipped, fn, args, options, submitKey(options.key), 'submit');
    const future = new Future<unknown>(this.#futures.stateFor(task.key), this);
    this.#session.submit([task]);
    return future;
  }

  /** @internal */
  #mapWith(options: SubmitOptions, fn: Fn<unknown[], unknown>, iterables: Iterable<unknown>[]): Future<unknown>[] {
    this.#checkOpen('map');
    checkSubmitOptions(options, 'map');
    const columns = mapColumns(iterables);
    const length = columns[0]!.length;
    const keys = mapKeys(options.key, length);
    const shipped = prepareFunction(fn, { what: 'map' });
    const futures: Future<unknown>[] = [];
    const tasks: PreparedTask[] = [];
    for (let i = 0; i < length; i++) {
      const args = columns.map((c) => c[i]);
      const task = prepareTask(this, shipped, fn, args, options, keys?.[i], `map (element ${i})`, keys ? undefined : (options.key as string | undefined));
      futures.push(new Future<unknown>(this.#futures.stateFor(task.key), this));
      tasks.push(task);
    }
    if (options.pure !== false && keys === undefined) this.#collapseHints.check(shipped.name, shipped.hash, tasks.map((t) => t.key));
    this.#session.submit(tasks);
    return futures;
  }

  /** @internal FutureOwner */
  resultOf(state: FutureState, options?: WaitOptions): Promise<unknown> {
    return readResult(state, this.#session, options);
  }

  /**
   * Results of the futures inside `futures` (a future, or arrays and plain objects holding futures),
   * in the same shape. `errors: 'skip'` leaves failed entries out; 'raise' (default) rejects with the first error.
   */
  gather<T>(futures: T, options: { errors?: 'raise' | 'skip' } & WaitOptions = {}): Promise<Gathered<T>> {
    return gatherResults(futures, this.#futures, this.#session, options);
  }

  /**
   * Cancels futures for this client: they become `cancelled` (finished ones too; their values are
   * dropped), their waiters get CancelledError at once. As in Dask, a key another client also holds goes
   * on for that client; `force: true` cancels it for every client. Tasks cancelled on the cluster make
   * their pending dependents fail with CancelledError.
   */
  async cancel(futures: Future<unknown> | Iterable<Future<unknown>>, options: { force?: boolean } = {}): Promise<void> {
    const list = futures instanceof Future ? [futures] : [...futures];
    await this.cancelKeys(list.map((f) => f.key), options.force ?? false);
  }

  /** @internal FutureOwner */
  async cancelKeys(keys: string[], force = false): Promise<void> {
    this.#futures.cancel(keys);
    this.#session.cancel(keys, force);
  }

  /**
   * Runs erred futures again, as in Dask: each erred one is pending again at once, and the erred inputs it
   * failed through are run again with it. Others are left alone.
   * @example await client.retry(futures.filter((f) => f.status === 'error'));
   */
  async retry(futures: Future<unknown> | Iterable<Future<unknown>>): Promise<void> {
    const list = futures instanceof Future ? [futures] : [...futures];
    await this.retryKeys(list.map((f) => f.key));
  }

  /** @internal FutureOwner */
  async retryKeys(keys: string[]): Promise<void> {
    this.#checkOpen('retry');
    this.#session.retry(this.#futures.retry(keys));
  }

  /** @internal FutureOwner */
  trackHandle(future: Future<unknown>, state: FutureState): void {
    this.#futures.track(future, state);
  }

  /** @internal FutureOwner */
  releaseHandle(state: FutureState, handle: object): void {
    this.#futures.release(state, handle);
  }

  /** Where each future's result is held: worker peer addresses per key. */
  whoHas(futures: Iterable<Future<unknown>>): Promise<Record<string, string[]>> {
    return this.#session.whoHas([...futures].map((f) => f.key));
  }

  /**
   * Sends values to workers and returns futures for them: an array of values gives an array of futures,
   * a plain object of named values an object of futures (a lone future cannot be returned from a promise:
   * awaiting would unwrap it). `broadcast: true` puts a copy on every worker; there, typed arrays live in
   * SharedArrayBuffers that every task thread reads without copying.
   * @example const [table] = await client.scatter([bigFloat64Array], { broadcast: true });
   */
  async scatter<T>(values: T[], options?: ScatterOptions): Promise<Future<T>[]>;
  /** Sends a plain object of named values; resolves to an object of futures with the same names. */
  async scatter<T extends Record<string, unknown>>(values: T, options?: ScatterOptions): Promise<{ [K in keyof T]: Future<T[K]> }>;
  async scatter(values: unknown, options: ScatterOptions = {}): Promise<Future<unknown>[] | Record<string, Future<unknown>>> {
    this.#checkOpen('scatter');
    const prepared = prepareScatter(values, options);
    const futures = prepared.keys.map((key) => new Future<unknown>(this.#futures.stateFor(key), this));
    await this.#session.scatter(prepared.keys, prepared.values, prepared.encoded, { broadcast: options.broadcast ?? false, ...(options.workers ? { workers: options.workers } : {}) });
    const names = prepared.names;
    return names ? Object.fromEntries(names.map((name, i) => [name, futures[i]!])) : futures;
  }

  /**
   * Runs `fn(...args)` on every worker, outside task scheduling, on every task thread of each, and returns
   * `{ [workerId]: result }`. Use `client.with({ workers, onError, timeoutMs }).run(…)` for options.
   */
  run<A extends unknown[], R>(fn: Fn<A, R>, ...args: A): Promise<Record<string, Awaited<R>>> {
    return this.runWith({}, fn as Fn<unknown[], unknown>, args) as Promise<Record<string, Awaited<R>>>;
  }

  /** @internal */
  async runWith(options: RunOptions, fn: Fn<unknown[], unknown>, args: unknown[]): Promise<Record<string, unknown>> {
    this.#checkOpen('run');
    checkRunOptions(options);
    return runOnWorkers(this.#session, options, fn, args);
  }

  /**
   * Runs `fn(...args)` on every worker now, and on every worker that joins later (scale up, adapt, a restart
   * after a crash) and every task thread started later, before they take a task. Registering the same
   * `name` again replaces the setup. Resolves with `{ [workerId]: result }` of the current workers.
   * @throws FlotillaError naming the workers where it failed.
   * @example await client.registerWorkerSetup(() => { process.env.OMP_NUM_THREADS = '1'; }, { name: 'threads' });
   */
  async registerWorkerSetup<A extends unknown[], R>(fn: Fn<A, R>, options: { name?: string; args?: A; timeoutMs?: number } = {}): Promise<Record<string, Awaited<R>>> {
    this.#checkOpen('registerWorkerSetup');
    return registerSetupOnWorkers(this.#session, fn as Fn<unknown[], unknown>, options as { name?: string; args?: unknown[]; timeoutMs?: number }) as Promise<Record<string, Awaited<R>>>;
  }

  /** Stops running the named setup on workers that join later (workers that ran it keep its effects). */
  async unregisterWorkerSetup(name: string): Promise<void> {
    return unregisterSetupOnWorkers(this.#session, name);
  }

  /**
   * The last `tail` lines of each worker's log (task console output, tagged with worker and task key,
   * and the worker's own messages); also in `worker.log` in each worker's local directory.
   */
  getWorkerLogs(options: { tail?: number; workers?: string[] } = {}): Promise<Record<string, string[]>> {
    return this.#session.workerLogs(options.tail ?? 100, options.workers);
  }

  /**
   * Sends a `.js`/`.mjs`/`.cjs`/`.json` file (or a `.zip`/`.tar.gz` of a folder) to every worker's local directory;
   * tasks import it as `await import('./name.mjs')`.
   * @throws FlotillaError before sending anything when the file is missing, of another kind, or over UPLOAD_LIMIT_BYTES.
   */
  async uploadFile(path: string): Promise<{ workers: string[] }> {
    this.#checkOpen('uploadFile');
    return uploadToWorkers(this.#session, path);
  }

  /**
   * Resolves when at least `n` workers are connected (at once if they already are).
   * @throws TimeoutError saying how many workers are connected (and, for job-queue clusters, how many jobs are queued).
   */
  async waitForWorkers(n: number, options: WaitOptions = {}): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw new ConfigurationError(`waitForWorkers expects a whole number of workers >= 0, got ${String(n)}`);
    if (this.#session.workerCount() >= n) return;
    let wake!: () => void;
    const reached = new Promise<void>((resolve) => {
      wake = () => {
        if (this.#session.workerCount() >= n) resolve();
      };
      this.#workerWaiters.add(wake);
    });
    try {
      await bounded(reached, options, () => {
        const have = this.#session.workerCount();
        const extra = this.#cluster?.describeWorkers?.();
        return `waitForWorkers(${n}) timed out after ${options.timeoutMs} ms: ${have} worker${have === 1 ? '' : 's'} connected${extra ? `; ${extra}` : ''}`;
      });
    } finally {
      this.#workerWaiters.delete(wake);
    }
  }

  /** Workers and task counts as the scheduler sees them now. */
  schedulerInfo(): Promise<{ workers: WorkerSummary[]; tasks: Record<string, number> }> {
    return this.#session.info();
  }

  /**
   * Task runs that stopped at or after `since` (ms since the epoch): key, group, worker, thread, start, stop,
   * status, bytes. The scheduler starts recording on the first call (or when its dashboard runs).
   */
  getTaskStream(options: { since?: number } = {}): Promise<TaskRunRecord[]> {
    return this.#session.taskStream(options.since ?? 0);
  }

  /** Shows progress on stderr until the futures are done: a bar on a terminal, otherwise log lines at each tenth of the work (see `ProgressOptions`). */
  progress(futures: Iterable<Future<unknown>>, options?: ProgressOptions): Promise<void> {
    return drawProgress([...futures], options);
  }

  /**
   * Restarts the cluster, as Dask's `client.restart()`: every task of every client is cancelled (their
   * futures, finished ones too, fail with CancelledError), and each worker drops its results and replaces
   * its task threads, so later tasks start from fresh globals and module caches. Worker setups run again.
   * Resolves with the ids of the workers that restarted.
   * @throws TimeoutError naming the workers that did not restart within `timeoutMs` (their futures are cancelled anyway).
   * @example await client.restart();
   */
  restart(options: RestartOptions = {}): Promise<string[]> {
    this.#checkOpen('restart');
    return restartCluster(this.#session, options, (reason) => this.#futures.cancelEverything(reason));
  }

  /**
   * Retires workers gracefully: they take no new task, what they run goes elsewhere, results only they
   * hold are copied to the workers that stay (nothing is recomputed), then they close (and their cluster
   * does not replace them). Resolves with the ids of the workers retired.
   * @throws ConfigurationError when no worker is named; FlotillaError naming a worker that is not running.
   * @example await client.retireWorkers([workerId], { closeWorkers: true });
   */
  retireWorkers(workers: string[], options: RetireOptions = {}): Promise<string[]> {
    this.#checkOpen('retireWorkers');
    return retireWorkers(this.#session, workers, options);
  }

  /**
   * Copies each future's result onto `n` workers (default: every worker, or every one of `workers`), so
   * dependents find it locally and it survives a worker's loss; copies beyond `n` are dropped. Resolves
   * with the keys whose copies changed.
   * @throws ConfigurationError when `n` is not a whole number >= 1.
   * @example await client.replicate([table], { n: 2 });
   */
  replicate(futures: Iterable<Future<unknown>>, options: ReplicateOptions = {}): Promise<string[]> {
    this.#checkOpen('replicate');
    return replicateKeys(this.#session, [...futures].map((f) => f.key), options);
  }

  /**
   * Moves results (of `futures`, or all of them) from workers holding more bytes than the mean to those
   * holding fewer, so that each holds about the same. Resolves with the keys moved.
   * @example await client.rebalance();
   */
  rebalance(futures?: Iterable<Future<unknown>>, options: RebalanceOptions = {}): Promise<string[]> {
    this.#checkOpen('rebalance');
    return rebalanceKeys(this.#session, futures ? [...futures].map((f) => f.key) : undefined, options);
  }

  /**
   * Publishes `value` (futures, or anything holding them) under `name` for every client of the cluster,
   * as Dask's `publish_dataset`: its futures stay computed and kept until it is unpublished.
   * @throws FlotillaError when `name` is taken and `override` is not set.
   * @example await client.publishDataset('calibration', futures);
   */
  async publishDataset(name: string, value: unknown, options: { override?: boolean } = {}): Promise<void> {
    await this.coordinate({ kind: 'dataset', name: checkName('publishDataset', name), action: 'publish', override: options.override === true }, { value });
  }

  /** A published dataset, with futures of this client in place of the published ones. @throws FlotillaError naming the published datasets when there is none of that name. */
  async getDataset<T = unknown>(name: string): Promise<T> {
    return (await this.coordinate({ kind: 'dataset', name: checkName('getDataset', name), action: 'get' })).value as T;
  }

  /** Names of the published datasets. */
  async listDatasets(): Promise<string[]> {
    return (await this.coordinate({ kind: 'dataset', name: '*', action: 'list' })).names ?? [];
  }

  /** Unpublishes a dataset (its futures are freed once no client holds them); false when there was none. */
  async unpublishDataset(name: string): Promise<boolean> {
    return (await this.coordinate({ kind: 'dataset', name: checkName('unpublishDataset', name), action: 'unpublish' })).ok;
  }

  /** @internal One request of Lock, Event, Queue, Variable or the datasets, with futures both ways. */
  coordinate(request: PlainRequest, payload?: { value: unknown }): Promise<CoordinationAnswer> {
    this.#checkOpen(`${request.kind} ${request.action}`);
    return coordinate(this.#session, request, payload, (key) => new Future<unknown>(this.#futures.stateFor(key), this));
  }

  /** See the top-level {@link fireAndForget}. */
  fireAndForget(futures: Future<unknown> | Iterable<Future<unknown>>): void {
    this.#checkOpen('fireAndForget');
    fireAndForgetKeys(this.#session, (futures instanceof Future ? [futures] : [...futures]).map((f) => f.key));
  }

  /** Releases every future of this client, disconnects, and closes the LocalCluster it started, if any. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (Client.#latest === this) Client.#latest = undefined;
    this.#futures.close();
    await this.#session.close();
    if (this.#ownedCluster) await this.#ownedCluster.close();
  }

  /** What `console.log(client)` and a notebook cell print: scheduler, workers, threads, memory, dashboard. */
  [inspectCustom](depth: number, options: InspectOptionsStylized, inspectFn: typeof inspect): string {
    return inspectSummary('Client', clientFields(this.#session.address, this.#session.workerCount(), this.#cluster, this.#closed), depth, options, inspectFn);
  }

  #wakeWorkerWaiters(): void {
    for (const wake of [...this.#workerWaiters]) wake();
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new FlotillaError(`${what} on a closed client; connect a new one with Client.connect()`);
  }

  /** @internal used by ClientView */
  static submitWith(client: Client, options: SubmitOptions, fn: Fn<unknown[], unknown>, args: unknown[]): Future<unknown> {
    return client.#submitWith(options, fn, args);
  }

  /** @internal used by ClientView */
  static mapWith(client: Client, options: SubmitOptions, fn: Fn<unknown[], unknown>, iterables: Iterable<unknown>[]): Future<unknown>[] {
    return client.#mapWith(options, fn, iterables);
  }
}

/**
 * `client.with(options)`: submit, map and run with fixed options. Each call checks the options as
 * `Client.submit` does (ConfigurationError naming the bad one).
 * @example
 * ```ts
 * const urgent = client.with({ priority: 10, retries: 2 });
 * const f = urgent.submit(fetchPage, url);
 * ```
 */
export class ClientView {
  /** @internal Made by {@link Client.with}. */
  constructor(private readonly client: Client, private readonly options: ViewOptions) {}

  /** As {@link Client.submit}, with this view's options. */
  submit<A extends unknown[], R>(fn: Fn<A, R>, ...args: MaybeFuture<A>): Future<Awaited<R>> {
    return Client.submitWith(this.client, this.options, fn as Fn<unknown[], unknown>, args as unknown[]) as Future<Awaited<R>>;
  }

  /** As {@link Client.map}, with this view's options. */
  map<T extends unknown[], R>(fn: (...args: T) => R, ...iterables: { [K in keyof T]: Iterable<T[K] | Future<T[K]>> }): Future<Awaited<R>>[] {
    return Client.mapWith(this.client, this.options, fn as Fn<unknown[], unknown>, iterables as Iterable<unknown>[]) as Future<Awaited<R>>[];
  }

  /** As {@link Client.run}, with this view's `workers`, `onError` and `timeoutMs`. */
  run<A extends unknown[], R>(fn: Fn<A, R>, ...args: A): Promise<Record<string, Awaited<R> | Error>> {
    return this.client.runWith(this.options, fn as Fn<unknown[], unknown>, args) as Promise<Record<string, Awaited<R> | Error>>;
  }

  /** A view with these options added. */
  with(options: ViewOptions): ClientView {
    return new ClientView(this.client, { ...this.options, ...options });
  }
}
