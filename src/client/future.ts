/**
 * A handle on a task's result. Awaitable (`await future`), like a promise of the result, and it keeps
 * the result alive on the cluster until it is released (explicitly, or when garbage collected).
 */
import type { inspect, InspectOptionsStylized } from 'node:util';
import { ReleasedFutureError } from '../errors/index.js';
import { inspectCustom, inspectSummary } from '../util/inspect-summary.js';
import type { FutureState, FutureStatus } from './future-state.js';
import { futureFields } from './future-summary.js';

/** What a Future needs from its client. */
export interface FutureOwner {
  readonly clientId: string;
  resultOf(state: FutureState, options?: WaitOptions): Promise<unknown>;
  cancelKeys(keys: string[], force?: boolean): Promise<void>;
  retryKeys(keys: string[]): Promise<void>;
  releaseHandle(state: FutureState, handle: object): void;
  trackHandle(future: Future<unknown>, state: FutureState): void;
}

/** How long a wait on one future may take (`future.result(options)`, `client.waitForWorkers`). */
export interface WaitOptions {
  /** Give up after this many milliseconds with a TimeoutError. */
  timeoutMs?: number;
  /** Give up when this signal aborts, with a CancelledError whose cause is the signal's reason. */
  signal?: AbortSignal;
}

/** Holds a reference (used in closures that must keep an object reachable). */
function keepAlive(object: unknown): void {
  void object;
}

let readState: (future: Future<unknown>) => FutureState;
let readOwner: (future: Future<unknown>) => FutureOwner;

/** The state a handle shares with the other handles of its key (for the client's own modules). */
export function futureState(future: Future<unknown>): FutureState {
  return readState(future);
}

/** The client a handle belongs to (for the client's own modules). */
export function futureOwner(future: Future<unknown>): FutureOwner {
  return readOwner(future);
}

/**
 * A handle on one task's result, made by `Client.submit`, `map` and `scatter`. `await future` is
 * `future.result()`. Handles of the same key share one state; the cluster keeps the result until every
 * handle is released (by {@link Future.release} or by garbage collection).
 *
 * @example
 * ```ts
 * const future = client.submit((a: number, b: number) => a + b, 1, 2);
 * console.log(future.status);             // 'pending'
 * console.log(await future);              // 3
 * const again = client.submit((x: number) => x * 10, future); // a future as an argument: a dependency
 * console.log(await again.result({ timeoutMs: 10_000 }));     // 30
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T> {
  #released = false;
  readonly #state: FutureState;
  readonly #owner: FutureOwner;

  static {
    // The client's modules read a handle's shared state through these, not through public members.
    readState = (future) => future.#state;
    readOwner = (future) => future.#owner;
  }

  /** @internal Created by `Client.submit`, `map` and `scatter`. */
  constructor(state: FutureState, owner: FutureOwner) {
    this.#state = state;
    this.#owner = owner;
    state.refs++;
    owner.trackHandle(this as Future<unknown>, state);
  }

  /** The task key: `<function name>-<hash of function and arguments>` for pure calls. */
  get key(): string {
    return this.#state.key;
  }

  /** Where the task is: `pending`, `finished`, `error`, `cancelled` or `lost`. */
  get status(): FutureStatus {
    return this.#state.status;
  }

  /** True once the status is no longer `pending`. */
  done(): boolean {
    return this.#state.isDone;
  }

  /**
   * The task's result; rejects with the task's error (a `TaskError` keeping the remote class name and
   * stack), `CancelledError`, `KilledWorkerError`, `LostResultError`, or `TimeoutError`.
   * @throws ReleasedFutureError (rejects) when this handle was released: its result is no longer kept.
   */
  result(options?: WaitOptions): Promise<T> {
    if (this.#released) return Promise.reject(new ReleasedFutureError(this.key));
    // `await client.submit(...)` leaves no other reference to this handle: without this one, the garbage
    // collector could release the key on the cluster while the caller is still waiting for it.
    return (this.#owner.resultOf(this.#state, options) as Promise<T>).finally(() => keepAlive(this));
  }

  /** The task's error, or undefined when it succeeded. Waits for the task. */
  async exception(options?: WaitOptions): Promise<Error | undefined> {
    try {
      await this.result(options);
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  /**
   * Cancels the task for this client (see `Client.cancel`): the status becomes `cancelled`, waiting callers
   * get CancelledError at once, then the scheduler is told.
   */
  cancel(options: { force?: boolean } = {}): Promise<void> {
    return this.#owner.cancelKeys([this.key], options.force ?? false);
  }

  /** Runs the task again if it erred (see `Client.retry`); the future is pending again at once. */
  retry(): Promise<void> {
    return this.#owner.retryKeys([this.key]);
  }

  /** Drops this handle's hold on the result; when no handle holds a key, the cluster frees it. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#owner.releaseHandle(this.#state, this);
  }

  /** Whether this handle was released ({@link Future.release} or garbage collection): its result can no longer be read through it. */
  get released(): boolean {
    return this.#released;
  }

  /**
   * Makes the future awaitable: `await future` waits for {@link Future.result} (no time limit) and
   * rejects as it does.
   */
  // eslint-disable-next-line unicorn/no-thenable -- awaitable by design, like Dask's futures
  then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.result().then(onFulfilled, onRejected);
  }

  /** `<Future KEY STATUS>`. */
  toString(): string {
    return `<Future ${this.key} ${this.status}>`;
  }

  /** What `console.log(future)` and a notebook cell print: `Future { key, status, type | error }`. */
  [inspectCustom](depth: number, options: InspectOptionsStylized, inspectFn: typeof inspect): string {
    return inspectSummary('Future', futureFields(this.#state, this.#released), depth, options, inspectFn, true);
  }
}
