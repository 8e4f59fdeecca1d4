/**
 * The Client: submit work, get futures back, gather results. Connects to a scheduler over ZeroMQ (a
 * LocalCluster it starts, a cluster object, or an address), or runs tasks in the caller (`sync` mode).
 */
import type { inspect, InspectOptionsStylized } from 'node:util';
import type { ClusterHandle } from '../cluster/cluster-handle.js';
import { performanceReport as writePerformanceReport } from '../dashboard/performance-report.js';
import type { TaskRunRecord, WorkerSummary } from '../protocol/messages.js';
import { inspectCustom, inspectSummary } from '../util/inspect-summary.js';
import { ClientCore, type AnyFn } from './client-core.js';
import { clientFields } from './client-summary.js';
import type { Fn, MapIterables, MaybeFuture } from './client-types.js';
import { ClientView } from './client-view.js';
import { registerSetupOnWorkers, unregisterSetupOnWorkers, uploadToWorkers } from './cluster-operations.js';
import {
  rebalanceKeys, replicateKeys, restartCluster, retireWorkers,
  type RebalanceOptions, type ReplicateOptions, type RestartOptions, type RetireOptions,
} from './cluster-requests.js';
import { openSession } from './connect.js';
import { getDataset, listDatasets, publishDataset, unpublishDataset } from './datasets.js';
import { Future, type WaitOptions } from './future.js';
import type { ConnectOptions, ScatterOptions, ViewOptions } from './options.js';
import { progress as drawProgress, type ProgressOptions } from './progress.js';
import { profileCluster } from './profile.js';
import type { ProfileOptions } from '../profile/options.js';
import type { ProfileTree } from '../profile/tree.js';
import { gatherResults, type Gathered } from './results.js';
import { prepareScatter } from './task-preparation.js';
import { submitActor, type ActorConstructor } from './submit-actor.js';
import type { ActorHandle, ActorOptions } from '../actors/types.js';

export { UPLOAD_LIMIT_BYTES } from './cluster-operations.js';
export { ClientView } from './client-view.js';
export type { Resolvable } from './client-types.js';
export type { ScatterOptions } from './options.js';
export type { Gathered } from './results.js';

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
export class Client {
  static #latest: Client | undefined;
  readonly #core: ClientCore;

  private constructor(core: ClientCore) {
    this.#core = core;
  }

  /**
   * Connects to a cluster. With no target: `FLOTILLA_SCHEDULER_ADDRESS` when set, else a new LocalCluster
   * (or the in-caller `sync` mode), chosen by `options.mode`, `FLOTILLA_MODE` or the config file.
   * @throws TimeoutError when no scheduler answers at the address within `timeoutMs`.
   * @example const client = await Client.connect(new LocalCluster({ nWorkers: 2 }));
   */
  static async connect(target?: string | ClusterHandle | ConnectOptions, maybeOptions: ConnectOptions = {}): Promise<Client> {
    let client!: Client;
    await ClientCore.open((core) => (client = new Client(core)), (listener) => openSession(target, maybeOptions, listener));
    Client.#latest = client;
    return client;
  }

  /** The client connected last in this process and not closed since (what `getClient()` returns outside a task). */
  static current(): Client | undefined {
    return Client.#latest;
  }

  /** This client's id (random), as the scheduler knows it; transfers to it in `getTaskStream()` have the destination `client <id>`. */
  get clientId(): string {
    return this.#core.clientId;
  }

  /** The scheduler's address (`sync://in-process` in sync mode). */
  get schedulerAddress(): string {
    return this.#core.session.address;
  }

  /**
   * The cluster's status page: the cluster's link, or the one the scheduler told when connecting by
   * address. Undefined when no dashboard serves the scheduler (and in `sync` mode).
   */
  get dashboardLink(): string | undefined {
    return this.#core.cluster?.dashboardLink ?? this.#core.session.dashboardLink;
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
    return this.#core.session.workerCount();
  }

  /**
   * Runs `fn(...args)` on a worker. Futures anywhere inside `args` (nested arrays and plain objects too)
   * become dependencies: the task runs after them, with their results in their place.
   * @throws FunctionShippingError when `fn` cannot travel as source text (names the problem and the fix).
   * @throws SerializationError when an argument cannot be sent (names which and why).
   */
  submit<A extends unknown[], R>(fn: Fn<A, R>, ...args: MaybeFuture<A>): Future<Awaited<R>> {
    return this.#core.submitWith({}, fn as AnyFn, args as unknown[]) as Future<Awaited<R>>;
  }

  /** Maps `fn` over the iterables, zipped (all must have the same length): one future per element. */
  map<T extends unknown[], R>(fn: (...args: T) => R, ...iterables: MapIterables<T>): Future<Awaited<R>>[] {
    return this.#core.mapWith({}, fn as AnyFn, iterables as Iterable<unknown>[]) as Future<Awaited<R>>[];
  }
  /**
   * Creates an actor: an instance of `cls`, constructed with `args` on one worker, where it stays on a
   * thread of its own. Its methods, called through the returned handle, run there one at a time in the
   * order called (async ones concurrently only up to `maxConcurrency`), and return futures. The class
   * travels as functions do (its source, with what it reads and imports). The constructor's arguments
   * come as an array, so that they are never mistaken for the options.
   * @throws FunctionShippingError when `cls` is not a class or reads what cannot travel.
   * @throws ConfigurationError for a bad option (named, with what is allowed).
   * @example
   * ```ts
   * const counter = client.submitActor(Counter, [10], { maxRestarts: 1 });
   * await counter.increment(2); // 12
   * await counter.n;            // 12
   * counter.release();
   * ```
   */
  submitActor<C extends ActorConstructor>(cls: C, args?: ConstructorParameters<C>, options: ActorOptions = {}): ActorHandle<InstanceType<C>> {
    return submitActor(this.#core, cls, (args ?? []) as unknown[], options);
  }


  /**
   * A view whose `submit`, `map` and `run` use these options.
   * @example client.with({ retries: 2, priority: 10 }).submit(fn, x)
   */
  with(options: ViewOptions): ClientView {
    return new ClientView(this.#core, options);
  }

  /**
   * Results of the futures inside `futures` (a future, or arrays and plain objects holding futures),
   * in the same shape. `errors: 'skip'` leaves failed entries out; 'raise' (default) rejects with the first error.
   */
  gather<T>(futures: T, options: { errors?: 'raise' | 'skip' } & WaitOptions = {}): Promise<Gathered<T>> {
    return gatherResults(futures, this.#core.futures, this.#core.session, options);
  }

  /**
   * Cancels futures for this client: they become `cancelled` (finished ones too; their values are
   * dropped), their waiters get CancelledError at once. As in Dask, a key another client also holds goes
   * on for that client; `force: true` cancels it for every client. Tasks cancelled on the cluster make
   * their pending dependents fail with CancelledError.
   */
  async cancel(futures: Future<unknown> | Iterable<Future<unknown>>, options: { force?: boolean } = {}): Promise<void> {
    const list = futures instanceof Future ? [futures] : [...futures];
    await this.#core.cancelKeys(list.map((f) => f.key), options.force ?? false);
  }

  /**
   * Runs erred futures again, as in Dask: each erred one is pending again at once, and the erred inputs it
   * failed through are run again with it. Others are left alone.
   * @example await client.retry(futures.filter((f) => f.status === 'error'));
   */
  async retry(futures: Future<unknown> | Iterable<Future<unknown>>): Promise<void> {
    const list = futures instanceof Future ? [futures] : [...futures];
    await this.#core.retryKeys(list.map((f) => f.key));
  }

  /** Where each future's result is held: worker peer addresses per key. */
  whoHas(futures: Iterable<Future<unknown>>): Promise<Record<string, string[]>> {
    return this.#core.session.whoHas([...futures].map((f) => f.key));
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
    this.#core.checkOpen('scatter');
    const prepared = prepareScatter(values, options);
    const futures = prepared.keys.map((key) => this.#core.futureFor(key));
    await this.#core.session.scatter(prepared.keys, prepared.values, prepared.encoded, { broadcast: options.broadcast ?? false, ...(options.workers ? { workers: options.workers } : {}) });
    const names = prepared.names;
    return names ? Object.fromEntries(names.map((name, i) => [name, futures[i]!])) : futures;
  }

  /**
   * Runs `fn(...args)` on every worker, outside task scheduling, on every task thread of each, and returns
   * `{ [workerId]: result }`. Use `client.with({ workers, onError, timeoutMs }).run(…)` for options.
   */
  run<A extends unknown[], R>(fn: Fn<A, R>, ...args: A): Promise<Record<string, Awaited<R>>> {
    return this.#core.runWith({}, fn as AnyFn, args) as Promise<Record<string, Awaited<R>>>;
  }

  /**
   * Runs `fn(...args)` on every worker now, and on every worker that joins later (scale up, adapt, a restart
   * after a crash) and every task thread started later, before they take a task. Registering the same
   * `name` again replaces the setup. Resolves with `{ [workerId]: result }` of the current workers.
   * @throws FlotillaError naming the workers where it failed.
   * @example await client.registerWorkerSetup(() => { process.env.OMP_NUM_THREADS = '1'; }, { name: 'threads' });
   */
  async registerWorkerSetup<A extends unknown[], R>(fn: Fn<A, R>, options: { name?: string; args?: A; timeoutMs?: number } = {}): Promise<Record<string, Awaited<R>>> {
    this.#core.checkOpen('registerWorkerSetup');
    return registerSetupOnWorkers(this.#core.session, fn as AnyFn, options as { name?: string; args?: unknown[]; timeoutMs?: number }) as Promise<Record<string, Awaited<R>>>;
  }

  /** Stops running the named setup on workers that join later (workers that ran it keep its effects). */
  async unregisterWorkerSetup(name: string): Promise<void> {
    return unregisterSetupOnWorkers(this.#core.session, name);
  }

  /**
   * The last `tail` lines of each worker's log (task console output, tagged with worker and task key,
   * and the worker's own messages); also in `worker.log` in each worker's local directory.
   */
  getWorkerLogs(options: { tail?: number; workers?: string[] } = {}): Promise<Record<string, string[]>> {
    return this.#core.session.workerLogs(options.tail ?? 100, options.workers);
  }

  /**
   * Sends a `.js`/`.mjs`/`.cjs`/`.json` file (or a `.zip`/`.tar.gz` of a folder) to every worker's local directory;
   * tasks import it as `await import('./name.mjs')`.
   * @throws FlotillaError before sending anything when the file is missing, of another kind, or over UPLOAD_LIMIT_BYTES.
   */
  async uploadFile(path: string): Promise<{ workers: string[] }> {
    this.#core.checkOpen('uploadFile');
    return uploadToWorkers(this.#core.session, path);
  }

  /**
   * Resolves when at least `n` workers are connected (at once if they already are).
   * @throws TimeoutError saying how many workers are connected (and, for job-queue clusters, how many jobs are queued).
   * @throws CancelledError when `options.signal` aborts, or when the client is closed while it waits.
   */
  waitForWorkers(n: number, options: WaitOptions = {}): Promise<void> {
    return this.#core.waitForWorkers(n, options);
  }

  /** Workers and task counts as the scheduler sees them now. */
  schedulerInfo(): Promise<{ workers: WorkerSummary[]; tasks: Record<string, number> }> {
    return this.#core.session.info();
  }

  /**
   * Task runs that stopped at or after `since` (ms since the epoch): key, group, worker, thread, start, stop,
   * status, bytes. The scheduler starts recording on the first call (or when its dashboard runs).
   */
  getTaskStream(options: { since?: number } = {}): Promise<TaskRunRecord[]> {
    return this.#core.session.taskStream(options.since ?? 0);
  }

  /**
   * Where the task threads spent their time: the workers' stack samples (every 10 ms by default) merged
   * into one call tree of function, file and line with sample counts, as Dask's `Client.profile`.
   * Filter by time (`start`, `stop`), by task (`key`: the samples taken while it ran) or task `group`,
   * and by `workers`; `filename` also writes a `.cpuprofile` for Chrome DevTools or speedscope.
   * @throws ConfigurationError for a bad option; FlotillaError when no worker has samples (profiling off everywhere).
   * @example
   * const tree = await client.profile({ group: 'simulate', filename: 'simulate.cpuprofile' });
   * console.log(topFunctions(tree, 3));
   */
  profile(options: ProfileOptions = {}): Promise<ProfileTree> {
    this.#core.checkOpen('profile');
    return profileCluster(this.#core.session, options);
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
    this.#core.checkOpen('restart');
    return restartCluster(this.#core.session, options, (reason) => this.#core.futures.cancelEverything(reason));
  }

  /**
   * Retires workers gracefully: they take no new task, what they run goes elsewhere, results only they
   * hold are copied to the workers that stay (nothing is recomputed), then they close (and their cluster
   * does not replace them). Resolves with the ids of the workers retired.
   * @throws ConfigurationError when no worker is named; FlotillaError naming a worker that is not running.
   * @example await client.retireWorkers([workerId], { closeWorkers: true });
   */
  retireWorkers(workers: string[], options: RetireOptions = {}): Promise<string[]> {
    this.#core.checkOpen('retireWorkers');
    return retireWorkers(this.#core.session, workers, options);
  }

  /**
   * Copies each future's result onto `n` workers (default: every worker, or every one of `workers`), so
   * dependents find it locally and it survives a worker's loss; copies beyond `n` are dropped. Resolves
   * with the keys whose copies changed.
   * @throws ConfigurationError when `n` is not a whole number >= 1.
   * @example await client.replicate([table], { n: 2 });
   */
  replicate(futures: Iterable<Future<unknown>>, options: ReplicateOptions = {}): Promise<string[]> {
    this.#core.checkOpen('replicate');
    return replicateKeys(this.#core.session, [...futures].map((f) => f.key), options);
  }

  /**
   * Moves results (of `futures`, or all of them) from workers holding more bytes than the mean to those
   * holding fewer, so that each holds about the same. Resolves with the keys moved.
   * @example await client.rebalance();
   */
  rebalance(futures?: Iterable<Future<unknown>>, options: RebalanceOptions = {}): Promise<string[]> {
    this.#core.checkOpen('rebalance');
    return rebalanceKeys(this.#core.session, futures ? [...futures].map((f) => f.key) : undefined, options);
  }

  /**
   * Publishes `value` (futures, or anything holding them) under `name` for every client of the cluster,
   * as Dask's `publish_dataset`: its futures stay computed and kept until it is unpublished.
   * @throws FlotillaError when `name` is taken and `override` is not set.
   * @example await client.publishDataset('calibration', futures);
   */
  async publishDataset(name: string, value: unknown, options: { override?: boolean } = {}): Promise<void> {
    await publishDataset(this.#core, name, value, options);
  }

  /** A published dataset, with futures of this client in place of the published ones. @throws FlotillaError naming the published datasets when there is none of that name. */
  async getDataset<T = unknown>(name: string): Promise<T> {
    return (await getDataset(this.#core, name)) as T;
  }

  /** Names of the published datasets. */
  async listDatasets(): Promise<string[]> {
    return listDatasets(this.#core);
  }

  /** Unpublishes a dataset (its futures are freed once no client holds them); false when there was none. */
  async unpublishDataset(name: string): Promise<boolean> {
    return unpublishDataset(this.#core, name);
  }

  /** See the top-level {@link fireAndForget}. */
  fireAndForget(futures: Future<unknown> | Iterable<Future<unknown>>): void {
    this.#core.fireAndForget((futures instanceof Future ? [futures] : [...futures]).map((f) => f.key));
  }

  /** Releases every future of this client, disconnects, and closes the LocalCluster it started, if any. */
  async close(): Promise<void> {
    if (this.#core.closed) return;
    if (Client.#latest === this) Client.#latest = undefined;
    await this.#core.close();
  }

  /** What `console.log(client)` and a notebook cell print: scheduler, workers, threads, memory, dashboard. */
  [inspectCustom](depth: number, options: InspectOptionsStylized, inspectFn: typeof inspect): string {
    return inspectSummary('Client', clientFields(this.#core.session.address, this.#core.session.workerCount(), this.#core.cluster, this.#core.closed), depth, options, inspectFn);
  }
}
