/**
 * The Client: submit work, get futures back, gather results. Connects to a scheduler over ZeroMQ (a
 * LocalCluster it starts, a cluster object, or an address), or runs tasks in the caller (`sync` mode).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { CancelledError, ConfigurationError, FlotillaError, LostResultError } from '../errors/index.js';
import type { TaskRunRecord, WorkerSummary } from '../protocol/messages.js';
import { prepareFunction, type ShippedFunction } from '../serialize/function-source.js';
import { encodeValue, type EncodedValue } from '../serialize/value-codec.js';
import type { ClusterHandle } from '../cluster/cluster-handle.js';
import { resolveMode } from './mode.js';
import { Future, type FutureOwner, type WaitOptions } from './future.js';
import { FutureState } from './future-state.js';
import type { ConnectOptions, RunOptions, SubmitOptions, ViewOptions } from './options.js';
import { RemoteSession, decodeWire } from './remote-session.js';
import type { PreparedTask, Session, SessionListener } from './session.js';
import { SKIP, collectFutures, isPlainObject, replaceFutures } from './structure.js';
import { SyncSession } from './sync-session.js';
import { bounded } from './waiting.js';
import { progress as drawProgress, type ProgressOptions } from './progress.js';
import { performanceReport as writePerformanceReport } from '../dashboard/performance-report.js';

/** Largest file `uploadFile` sends, in bytes. */
export const UPLOAD_LIMIT_BYTES = 256 * 1024 * 1024;
const UPLOADABLE = /\.(m?js|cjs|json|zip|tar\.gz|tgz)$/;

type Fn<A extends unknown[], R> = (...args: A) => R;
/** A value, a future of it, or (for arrays and plain objects) the same shape holding futures. */
export type Resolvable<T> =
  | T
  | Future<T>
  | (T extends readonly (infer U)[] ? readonly Resolvable<U>[] : T extends Record<string, unknown> ? { [K in keyof T]: Resolvable<T[K]> } : never);
/** Each argument position accepts a Resolvable of its type. */
type MaybeFuture<A extends unknown[]> = { [K in keyof A]: Resolvable<A[K]> };

export class Client implements FutureOwner {
  readonly clientId = randomUUID();
  #session!: Session;
  #states = new Map<string, FutureState>();
  #registry = new FinalizationRegistry<FutureState>((state) => this.#dropRef(state));
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
    const options: ConnectOptions = typeof target === 'object' && target !== null && !isClusterHandle(target) ? target : maybeOptions;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const client = new Client();
    const listener = client.#listener();
    if (typeof target === 'string') {
      client.#session = await RemoteSession.connect(target, listener, { timeoutMs });
    } else if (isClusterHandle(target)) {
      await target.ready;
      client.#cluster = target;
      client.#session = await RemoteSession.connect(target.schedulerAddress, listener, { timeoutMs, security: target.security, local: target.openLocalLink?.bind(target) });
    } else if (process.env.FLOTILLA_SCHEDULER_ADDRESS) {
      client.#session = await RemoteSession.connect(process.env.FLOTILLA_SCHEDULER_ADDRESS, listener, { timeoutMs });
    } else {
      const mode = resolveMode(options.mode);
      if (mode === 'sync') {
        client.#session = new SyncSession(listener);
      } else {
        const { LocalCluster } = await import('../cluster/local-cluster.js');
        const cluster = new LocalCluster({ ...options, processes: mode === 'processes' });
        try {
          await cluster.ready;
          client.#session = await RemoteSession.connect(cluster.schedulerAddress, listener, { timeoutMs, local: cluster.openLocalLink.bind(cluster) });
        } catch (error) {
          await cluster.close();
          throw error;
        }
        client.#ownedCluster = cluster;
        client.#cluster = cluster;
      }
    }
    return client;
  }

  /** The scheduler's address (`sync://in-process` in sync mode). */
  get schedulerAddress(): string {
    return this.#session.address;
  }

  /** The cluster's status page (undefined for a bare address or when the dashboard is off). */
  get dashboardLink(): string | undefined {
    return this.#cluster?.dashboardLink;
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

  #listener(): SessionListener {
    return {
      finished: (key, nbytes, fields) => this.#states.get(key)?.settle('finished', { ...fields, nbytes }),
      erred: (key, error) => this.#states.get(key)?.settle('error', { error }),
      cancelled: (key, reason) => this.#states.get(key)?.settle('cancelled', { error: new CancelledError(`${key} was cancelled: ${reason}`, { keys: [key] }) }),
      lost: (key, reason) => this.#states.get(key)?.settle('lost', { error: new LostResultError(`the result of ${key} is lost: ${reason}`) }),
      workersChanged: () => {
        for (const wake of [...this.#workerWaiters]) wake();
      },
    };
  }

  // ------------------------------------------------------------------ submitting

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
    const shipped = prepareFunction(fn, { what: 'submit' });
    const prepared = this.#prepare(shipped, fn, args, options, options.key, 'submit');
    this.#session.submit([prepared.task]);
    return prepared.future;
  }

  /** @internal */
  #mapWith(options: SubmitOptions, fn: Fn<unknown[], unknown>, iterables: Iterable<unknown>[]): Future<unknown>[] {
    this.#checkOpen('map');
    if (iterables.length === 0) throw new ConfigurationError('map needs at least one iterable of arguments, e.g. client.map(fn, [1, 2, 3])');
    const columns = iterables.map((it, i) => {
      if (it === null || typeof (it as Iterable<unknown>)[Symbol.iterator] !== 'function') {
        throw new ConfigurationError(`argument ${i + 2} of map must be an iterable (an array, a Set …), got ${typeof it}`);
      }
      return [...it];
    });
    const length = columns[0]!.length;
    if (columns.some((c) => c.length !== length)) {
      throw new ConfigurationError(`map got iterables of different lengths (${columns.map((c) => c.length).join(', ')}); give them all the same length so no element is silently dropped`);
    }
    const shipped = prepareFunction(fn, { what: 'map' });
    const futures: Future<unknown>[] = [];
    const tasks: PreparedTask[] = [];
    for (let i = 0; i < length; i++) {
      const args = columns.map((c) => c[i]);
      const prepared = this.#prepare(shipped, fn, args, options, options.key === undefined ? undefined : `${options.key}-${i}`, `map (element ${i})`);
      futures.push(prepared.future);
      tasks.push(prepared.task);
    }
    this.#session.submit(tasks);
    return futures;
  }

  #prepare(shipped: ShippedFunction, fn: Fn<unknown[], unknown>, args: unknown[], options: SubmitOptions, key: string | undefined, what: string): { task: PreparedTask; future: Future<unknown> } {
    const encoded = encodeValue(args, {
      label: `the arguments of ${what}`,
      argumentsOf: what,
      externalRef: (value) => {
        if (!(value instanceof Future)) return undefined;
        if (value.owner !== this) throw new FlotillaError(`argument of ${what} holds future ${value.key} of another client; gather it first or use futures of this client`);
        if (value.released) throw new FlotillaError(`argument of ${what} holds future ${value.key}, which was released; keep the future until its dependents are submitted`);
        return value.key;
      },
    });
    const taskKey = key ?? (options.pure === false ? `${shipped.name}-${randomUUID()}` : `${shipped.name}-${tokenize(shipped.hash, encoded)}`);
    const state = this.#stateFor(taskKey);
    const future = new Future<unknown>(state, this);
    return { task: { key: taskKey, fn: shipped, callable: fn, args, encoded, options }, future };
  }

  #stateFor(key: string): FutureState {
    let state = this.#states.get(key);
    if (!state) this.#states.set(key, (state = new FutureState(key)));
    else if (state.status === 'cancelled' || state.status === 'lost') state.reset();
    return state;
  }

  // ------------------------------------------------------------------ results

  /** @internal FutureOwner */
  async resultOf(state: FutureState, options?: WaitOptions): Promise<unknown> {
    if (!state.isDone) {
      await bounded(state.done, options, () => `${state.key} did not finish within ${options?.timeoutMs} ms (it is still ${state.status})`);
    }
    switch (state.status) {
      case 'finished':
        return this.#valueOf(state);
      case 'pending':
        throw new FlotillaError(`${state.key} is pending again (it is being recomputed); wait for it again`);
      default:
        throw state.error ?? new FlotillaError(`${state.key} ended with status ${state.status}`);
    }
  }

  async #valueOf(state: FutureState): Promise<unknown> {
    if (state.hasValue) return state.value;
    if (state.wire) {
      state.value = decodeWire(state.wire);
      state.hasValue = true;
      state.wire = undefined;
      return state.value;
    }
    const values = await this.#session.fetch([state.key]);
    if (!values.has(state.key)) throw new LostResultError(`the result of ${state.key} could not be fetched from any worker`);
    state.value = values.get(state.key);
    state.hasValue = true;
    return state.value;
  }

  /**
   * Results of the futures inside `futures` (a future, or arrays and plain objects holding futures),
   * in the same shape. `errors: 'skip'` leaves failed entries out; 'raise' (default) rejects with the first error.
   */
  async gather<T>(futures: T, options: { errors?: 'raise' | 'skip' } & WaitOptions = {}): Promise<Gathered<T>> {
    const all = collectFutures(futures);
    await bounded(Promise.all(all.map((f) => f.state.done)), options, () => {
      const pending = all.filter((f) => !f.done()).length;
      return `gather timed out after ${options.timeoutMs} ms with ${pending} of ${all.length} futures still pending`;
    });
    const errorsMode = options.errors ?? 'raise';
    if (errorsMode === 'raise') {
      const failed = all.find((f) => f.status !== 'finished');
      if (failed) throw failed.state.error ?? new FlotillaError(`${failed.key} ended with status ${failed.status}`);
    }
    const missing = all.filter((f) => f.status === 'finished' && !f.state.hasValue && !f.state.wire).map((f) => f.key);
    if (missing.length) {
      const fetched = await this.#session.fetch([...new Set(missing)]);
      for (const [key, value] of fetched) {
        const state = this.#states.get(key);
        if (state && !state.hasValue) {
          state.value = value;
          state.hasValue = true;
        }
      }
    }
    const values = new Map<FutureState, unknown>();
    for (const future of all) {
      if (future.status !== 'finished' || values.has(future.state)) continue;
      values.set(future.state, await this.#valueOf(future.state));
    }
    return replaceFutures(futures, (f) => (values.has(f.state) ? values.get(f.state) : SKIP)) as Gathered<T>;
  }

  /** Cancels futures: their waiters get CancelledError at once, dependents fail with CancelledError too. */
  async cancel(futures: Future<unknown> | Iterable<Future<unknown>>): Promise<void> {
    const list = futures instanceof Future ? [futures] : [...futures];
    await this.cancelKeys(list.map((f) => f.key));
  }

  /** @internal FutureOwner */
  async cancelKeys(keys: string[]): Promise<void> {
    for (const key of keys) {
      this.#states.get(key)?.settle('cancelled', { error: new CancelledError(`${key} was cancelled by this client`, { keys: [key] }) });
    }
    this.#session.cancel(keys);
  }

  /** @internal FutureOwner */
  trackHandle(future: Future<unknown>, state: FutureState): void {
    this.#registry.register(future, state, future);
  }

  /** @internal FutureOwner */
  releaseHandle(state: FutureState, handle: object): void {
    // An explicit release replaces the one the garbage collector would do later.
    this.#registry.unregister(handle);
    this.#dropRef(state);
  }

  #dropRef(state: FutureState): void {
    if (state.refs <= 0) return;
    state.refs--;
    if (state.refs > 0 || this.#closed) return;
    if (this.#states.get(state.key) === state) this.#states.delete(state.key);
    this.#session.release([state.key]);
  }

  /** Where each future's result is held: worker peer addresses per key. */
  whoHas(futures: Iterable<Future<unknown>>): Promise<Record<string, string[]>> {
    return this.#session.whoHas([...futures].map((f) => f.key));
  }

  // ------------------------------------------------------------------ cluster-wide operations

  /**
   * Sends values to workers and returns futures for them: an array of values gives an array of futures,
   * a plain object of named values an object of futures (a lone future cannot be returned from a promise:
   * awaiting would unwrap it). `broadcast: true` puts a copy on every worker; there, typed arrays live in
   * SharedArrayBuffers that every task thread reads without copying.
   * @example const [table] = await client.scatter([bigFloat64Array], { broadcast: true });
   */
  async scatter<T>(values: T[], options?: ScatterOptions): Promise<Future<T>[]>;
  async scatter<T extends Record<string, unknown>>(values: T, options?: ScatterOptions): Promise<{ [K in keyof T]: Future<T[K]> }>;
  async scatter(values: unknown, options: ScatterOptions = {}): Promise<Future<unknown>[] | Record<string, Future<unknown>>> {
    this.#checkOpen('scatter');
    const named = !Array.isArray(values) && isPlainObject(values);
    if (!Array.isArray(values) && !named) {
      throw new ConfigurationError(`scatter takes an array of values (or a plain object of named values), got ${describeKind(values)}; for one value write: const [future] = await client.scatter([value])`);
    }
    const names = named ? Object.keys(values as Record<string, unknown>) : [];
    const list = named ? Object.values(values as Record<string, unknown>) : (values as unknown[]);
    const encoded = list.map((v, i) => encodeValue(v, { label: named ? `value ${JSON.stringify(names[i])} given to scatter` : `value ${i} given to scatter` }));
    const keys = encoded.map((e, i) => options.hash ? `scatter-${tokenize('scatter', e)}` : named ? `${names[i]}-${randomUUID()}` : `scatter-${randomUUID()}`);
    const futures = keys.map((key) => new Future<unknown>(this.#stateFor(key), this));
    await this.#session.scatter(keys, list, encoded, { broadcast: options.broadcast ?? false, ...(options.workers ? { workers: options.workers } : {}) });
    return named ? Object.fromEntries(names.map((name, i) => [name, futures[i]!])) : futures;
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
    const shipped = prepareFunction(fn, { what: 'run' });
    const encoded = encodeValue(args, { label: 'the arguments of run' });
    const outcome = await this.#session.run(shipped, fn, args, encoded, { timeoutMs: options.timeoutMs ?? 60_000, ...(options.workers ? { workers: options.workers } : {}) });
    const onError = options.onError ?? 'raise';
    if (outcome.errors.size > 0 && onError === 'raise') {
      const lines = [...outcome.errors].map(([worker, error]) => `  ${worker}: ${error.name}: ${error.message}`);
      const first = [...outcome.errors.values()][0];
      throw new FlotillaError(`run failed on ${outcome.errors.size} worker(s):\n${lines.join('\n')}\nUse client.with({ onError: 'return' }).run(…) to get per-worker errors instead.`, { cause: first });
    }
    const result: Record<string, unknown> = Object.fromEntries(outcome.results);
    if (onError === 'return') for (const [worker, error] of outcome.errors) result[worker] = error;
    return result;
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
    const shipped = prepareFunction(fn, { what: 'registerWorkerSetup' });
    const args = (options.args ?? []) as unknown[];
    const encoded = encodeValue(args, { label: 'the arguments of registerWorkerSetup', argumentsOf: 'registerWorkerSetup' });
    const name = options.name ?? shipped.name;
    const outcome = await this.#session.registerSetup(name, shipped, encoded, options.timeoutMs ?? 60_000, fn as Fn<unknown[], unknown>, args);
    if (outcome.errors.size > 0) {
      const lines = [...outcome.errors].map(([worker, error]) => `  ${worker}: ${error.name}: ${error.message}`);
      throw new FlotillaError(`worker setup ${JSON.stringify(name)} failed on ${outcome.errors.size} worker(s):\n${lines.join('\n')}\nIt stays registered for workers that join later; unregisterWorkerSetup(${JSON.stringify(name)}) removes it.`, { cause: [...outcome.errors.values()][0] });
    }
    return Object.fromEntries(outcome.results) as Record<string, Awaited<R>>;
  }

  /** Stops running the named setup on workers that join later (workers that ran it keep its effects). */
  async unregisterWorkerSetup(name: string): Promise<void> {
    const outcome = await this.#session.unregisterSetup(name);
    const error = [...outcome.errors.values()][0];
    if (error) throw error;
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
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      throw new FlotillaError(`uploadFile: ${path} does not exist (relative paths are resolved from ${process.cwd()})`);
    }
    const name = basename(path);
    if (!UPLOADABLE.test(name)) throw new FlotillaError(`uploadFile: ${name} is not a .js, .mjs, .cjs, .json, .zip or .tar.gz file`);
    if (size > UPLOAD_LIMIT_BYTES) throw new FlotillaError(`uploadFile: ${path} is ${size} bytes, over the ${UPLOAD_LIMIT_BYTES}-byte limit; put large data on a shared filesystem or scatter it`);
    const outcome = await this.#session.upload(name, readFileSync(path));
    if (outcome.errors.size > 0) {
      const lines = [...outcome.errors].map(([w, e]) => `  ${w}: ${e.message}`).join('\n');
      throw new FlotillaError(`uploadFile(${name}) failed on ${outcome.errors.size} worker(s):\n${lines}`);
    }
    return { workers: outcome.workers };
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

  /** Draws a progress bar on stderr (when it is a terminal; one summary line otherwise) until the futures are done. */
  progress(futures: Iterable<Future<unknown>>, options?: ProgressOptions): Promise<void> {
    return drawProgress([...futures], options);
  }

  /** Releases every future of this client, disconnects, and closes the LocalCluster it started, if any. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const state of this.#states.values()) {
      if (!state.isDone) state.settle('cancelled', { error: new CancelledError(`${state.key}: the client was closed`, { keys: [state.key] }) });
    }
    this.#states.clear();
    await this.#session.close();
    if (this.#ownedCluster) await this.#ownedCluster.close();
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

/** Options of `client.scatter`. */
export interface ScatterOptions {
  /** Put a copy on every (chosen) worker. @defaultValue false */
  broadcast?: boolean;
  /** Only these workers (ids, names, hosts or addresses). */
  workers?: string[];
  /** Key the data by a hash of its bytes, so scattering equal data twice keeps one copy. @defaultValue false (hashing 1 GB costs about a second) */
  hash?: boolean;
}

/** The shape `gather` returns: futures replaced by their results. */
export type Gathered<T> = T extends Future<infer R>
  ? R
  : T extends readonly unknown[]
    ? { [K in keyof T]: Gathered<T[K]> }
    : T extends Record<string, unknown>
      ? { [K in keyof T]: Gathered<T[K]> }
      : T;

/** `client.with(options)`: submit, map and run with fixed options. */
export class ClientView {
  constructor(private readonly client: Client, private readonly options: ViewOptions) {}

  submit<A extends unknown[], R>(fn: Fn<A, R>, ...args: MaybeFuture<A>): Future<Awaited<R>> {
    return Client.submitWith(this.client, this.options, fn as Fn<unknown[], unknown>, args as unknown[]) as Future<Awaited<R>>;
  }

  map<T extends unknown[], R>(fn: (...args: T) => R, ...iterables: { [K in keyof T]: Iterable<T[K] | Future<T[K]>> }): Future<Awaited<R>>[] {
    return Client.mapWith(this.client, this.options, fn as Fn<unknown[], unknown>, iterables as Iterable<unknown>[]) as Future<Awaited<R>>[];
  }

  run<A extends unknown[], R>(fn: Fn<A, R>, ...args: A): Promise<Record<string, Awaited<R> | Error>> {
    return this.client.runWith(this.options, fn as Fn<unknown[], unknown>, args) as Promise<Record<string, Awaited<R> | Error>>;
  }

  /** A view with these options added. */
  with(options: ViewOptions): ClientView {
    return new ClientView(this.client, { ...this.options, ...options });
  }
}

function tokenize(fnHash: string, encoded: EncodedValue): string {
  const hash = createHash('sha1').update(fnHash).update(encoded.body);
  for (const frame of encoded.frames) hash.update(frame);
  return hash.digest('hex').slice(0, 32);
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'an object';
}

function isClusterHandle(value: unknown): value is ClusterHandle {
  return typeof value === 'object' && value !== null && 'ready' in value && 'close' in value && typeof (value as ClusterHandle).close === 'function';
}

