/**
 * Named, cluster-wide coordination primitives, as Dask's `Lock`, `Event`, `Queue` and `Variable`. The
 * state lives on the scheduler, so every client and every task (through `getClient()`) that uses the
 * same name shares it. Each object uses the client given in its options, else `getClient()`: inside a
 * task the task thread's client, outside the client last connected. A blocking call (acquire, wait,
 * get, a put to a full queue) made inside a task first gives up the task's thread (`secede`), so the
 * task that would release, set or put can run on the same worker.
 *
 * A value that is a lone future comes back from `get` as its result, since awaiting a promise unwraps
 * a thenable (as with `scatter`): wrap it (`[future]`, `{ future }`) to receive the future itself.
 */
import { randomUUID } from 'node:crypto';
import { TimeoutError } from '../errors/index.js';
import type { CoordinationKind } from '../protocol/messages.js';
import type { Client } from '../client/client.js';
import { coreOf } from '../client/client-core.js';
import { getClient, secede } from '../client/worker-client.js';
import { checkName, checkTimeout, type CoordinationAnswer } from './requests.js';

/** Options of every coordination primitive. */
export interface CoordinationOptions {
  /** The client to go through. @defaultValue `getClient()` (the task's client inside a task) */
  client?: Client;
}

/** A time limit for a blocking call. */
export interface TimeoutOptions {
  /** Give up after this many milliseconds. @defaultValue no limit */
  timeoutMs?: number;
}

abstract class Named {
  readonly name: string;
  readonly #client: Client | undefined;

  constructor(private readonly kind: CoordinationKind, name: string, options: CoordinationOptions) {
    this.name = checkName(kind[0]!.toUpperCase() + kind.slice(1), name);
    this.#client = options.client;
  }

  protected async request(action: string, extra: { timeoutMs?: number; lease?: string; maxsize?: number } = {}, payload?: { value: unknown }, blocking = false): Promise<CoordinationAnswer> {
    if (blocking) secede();
    const client = this.#client ?? (await getClient({ secede: false }));
    const timeoutMs = checkTimeout(`${this.kind} ${this.name} ${action}`, extra.timeoutMs);
    return coreOf(client).coordinate({ kind: this.kind, name: this.name, action, ...extra, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, payload);
  }
}

/**
 * A cluster-wide mutual-exclusion lock, as Dask's `Lock`: one holder at a time among every client and
 * task using the name. Only the Lock object that acquired it releases it; a client that disconnects
 * releases the locks it held.
 * @example
 * const lock = new Lock('results.csv');
 * await lock.withLock(async () => appendRow(row));
 */
export class Lock extends Named {
  readonly #lease = randomUUID();

  /**
   * A handle on the lock called `name`; everyone using the same name shares one lock. Makes no request yet.
   * @throws ConfigurationError when `name` is not a non-empty string.
   */
  constructor(name: string, options: CoordinationOptions = {}) {
    super('lock', name, options);
  }

  /** Waits for the lock; true once held, false when `timeoutMs` passed first. */
  async acquire(options: TimeoutOptions = {}): Promise<boolean> {
    return (await this.request('acquire', { lease: this.#lease, ...options }, undefined, true)).ok;
  }

  /** Releases the lock. @throws FlotillaError when this object does not hold it. */
  async release(): Promise<void> {
    await this.request('release', { lease: this.#lease });
  }

  /** Whether anyone holds the lock now. */
  async locked(): Promise<boolean> {
    return (await this.request('locked')).ok;
  }

  /**
   * Runs `body` holding the lock (Python's `with lock:`), releasing it however `body` ends.
   * @throws TimeoutError when the lock was not acquired within `timeoutMs`.
   */
  async withLock<T>(body: () => T | Promise<T>, options: TimeoutOptions = {}): Promise<T> {
    if (!(await this.acquire(options))) throw new TimeoutError(`Lock ${JSON.stringify(this.name)} was not acquired within ${options.timeoutMs} ms`);
    try {
      return await body();
    } finally {
      await this.release();
    }
  }
}

/**
 * A cluster-wide flag that tasks and clients wait on, as Dask's `Event`. It starts cleared.
 * @example
 * const go = new Event('start');
 * client.map(async (i: number) => { const { Event } = await import('flotilla'); await new Event('start').wait(); return i; }, [1, 2]);
 * await go.set(); // every waiting task goes on
 */
export class Event extends Named {
  /**
   * A handle on the event called `name`; everyone using the same name shares one event. Makes no request yet.
   * @throws ConfigurationError when `name` is not a non-empty string.
   */
  constructor(name: string, options: CoordinationOptions = {}) {
    super('event', name, options);
  }

  /** Sets the flag and wakes every waiter. */
  async set(): Promise<void> {
    await this.request('set');
  }

  /** Clears the flag: later waits block until it is set again. */
  async clear(): Promise<void> {
    await this.request('clear');
  }

  /** Whether the flag is set now (does not wait). */
  async isSet(): Promise<boolean> {
    return (await this.request('is-set')).ok;
  }

  /** Waits until the flag is set; true then, false when `timeoutMs` passed first. */
  async wait(options: TimeoutOptions = {}): Promise<boolean> {
    return (await this.request('wait', options, undefined, true)).ok;
  }
}

/**
 * A cluster-wide first-in first-out queue, as Dask's `Queue`. Values may hold futures: they stay
 * computed while in the queue, and the getter receives futures of its own client.
 * @example
 * const queue = new Queue<number>('readings', { maxsize: 100 });
 * await queue.put(42);
 * const next = await queue.get({ timeoutMs: 1_000 });
 */
export class Queue<T = unknown> extends Named {
  readonly #maxsize: number;

  /** `maxsize` bounds the queue when this object is the first to use the name (0: unbounded). */
  constructor(name: string, options: CoordinationOptions & { maxsize?: number } = {}) {
    super('queue', name, options);
    this.#maxsize = options.maxsize ?? 0;
  }

  /** Adds a value; waits while the queue is full. @throws TimeoutError when it is still full after `timeoutMs`. */
  async put(value: T, options: TimeoutOptions = {}): Promise<void> {
    const answer = await this.request('put', { maxsize: this.#maxsize, ...options }, { value }, true);
    if (!answer.ok) throw new TimeoutError(`Queue ${JSON.stringify(this.name)} was still full after ${options.timeoutMs} ms`);
  }

  /** Takes the oldest value; waits while the queue is empty. @throws TimeoutError when it is still empty after `timeoutMs`. */
  async get(options: TimeoutOptions = {}): Promise<T> {
    const answer = await this.request('get', { maxsize: this.#maxsize, ...options }, undefined, true);
    if (!answer.ok) throw new TimeoutError(`Queue ${JSON.stringify(this.name)} was still empty after ${options.timeoutMs} ms`);
    return answer.value as T;
  }

  /** How many values wait in the queue. */
  async qsize(): Promise<number> {
    return (await this.request('size', { maxsize: this.#maxsize })).count ?? 0;
  }
}

/**
 * A cluster-wide variable, as Dask's `Variable`: one value (possibly holding futures, kept computed
 * while set) that every client and task reads.
 * @example
 * await new Variable<number>('scale').set(10);
 * client.submit(async (x: number) => { const { Variable } = await import('flotilla'); return x * (await new Variable<number>('scale').get()); }, 4);
 */
export class Variable<T = unknown> extends Named {
  /**
   * A handle on the variable called `name`; everyone using the same name shares one variable. Makes no request yet.
   * @throws ConfigurationError when `name` is not a non-empty string.
   */
  constructor(name: string, options: CoordinationOptions = {}) {
    super('variable', name, options);
  }

  /** Sets the value (the futures of the previous one are let go). */
  async set(value: T): Promise<void> {
    await this.request('set', {}, { value });
  }

  /** The value; waits until one is set. @throws TimeoutError when none is set within `timeoutMs`. */
  async get(options: TimeoutOptions = {}): Promise<T> {
    const answer = await this.request('get', options, undefined, true);
    if (!answer.ok) throw new TimeoutError(`Variable ${JSON.stringify(this.name)} was not set within ${options.timeoutMs} ms`);
    return answer.value as T;
  }

  /** Removes the value (its futures are let go). */
  async delete(): Promise<void> {
    await this.request('delete');
  }
}
