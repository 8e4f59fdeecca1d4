/**
 * `asCompleted(futures)`: an async iterator yielding futures as they finish (in completion order),
 * with `add()` for futures created while iterating. Written as an explicit iterator rather than an async
 * generator, because `yield` in an async generator would await the (awaitable) future and yield its value.
 */
import { FlotillaError } from '../errors/index.js';
import { Future, futureState } from './future.js';
import type { FutureValue } from './wait.js';

/** Options of {@link asCompleted}: what each step of the iteration yields. */
export interface AsCompletedOptions {
  /**
   * Yield `[future, result]` pairs instead of futures. As in Dask, a cancelled future is yielded with its
   * CancelledError in place of the result; a task's error is thrown by the iteration (see `raiseErrors`).
   * @defaultValue false
   */
  withResults?: boolean;
  /** With `withResults`: `false` yields `[future, error]` for failed tasks instead of throwing. @defaultValue true */
  raiseErrors?: boolean;
}

/**
 * The iterator {@link asCompleted} returns: yields each watched future once, in the order they finish,
 * and waits (on the futures' own settle events, not by polling) while none is ready. It ends when every
 * future was yielded, or at `break` (which stops watching). One loop at a time: a second
 * `for await` over the same object throws `FlotillaError`.
 * @example
 * ```ts
 * const done = asCompleted(futures);
 * for await (const future of done) {
 *   if (needMore(await future)) done.add(client.submit(step, future));
 * }
 * ```
 */
export class AsCompleted<T = unknown, Y = Future<T>> implements AsyncIterableIterator<Y> {
  #pending = 0;
  #ready: Future<T>[] = [];
  #wake: (() => void) | undefined;
  #iterating = false;
  #stopped = false;

  /**
   * Watches `futures` (see {@link asCompleted}, which gives the yielded type).
   * @throws FlotillaError when an element is not a Future.
   */
  constructor(futures: Iterable<Future<T>> = [], private readonly options: AsCompletedOptions = {}) {
    for (const future of futures) this.add(future);
  }

  /**
   * Adds a future to the set being watched; ignored after the loop was stopped by `break`.
   * @throws FlotillaError when `future` is not a Future.
   */
  add(future: Future<T>): void {
    if (!(future instanceof Future)) throw new FlotillaError(`asCompleted.add expects a Future, got ${typeof future}`);
    if (this.#stopped) return;
    this.#pending++;
    futureState(future).whenDone(() => {
      this.#pending--;
      this.#ready.push(future);
      this.#wake?.();
    });
  }

  /** Futures not yet yielded. */
  get count(): number {
    return this.#pending + this.#ready.length;
  }

  /**
   * Starts the `for await` loop.
   * @throws FlotillaError when this object is already being iterated.
   */
  [Symbol.asyncIterator](): this {
    if (this.#iterating) throw new FlotillaError('this asCompleted is already being iterated; create another asCompleted for a second loop');
    this.#iterating = true;
    return this;
  }

  /**
   * The next finished future (or `[future, result]` with `withResults`), waiting for one; done when
   * none is left. With `withResults`, rejects with the task's error unless `raiseErrors: false`.
   */
  async next(): Promise<IteratorResult<Y>> {
    while (this.#ready.length === 0) {
      if (this.#pending === 0 || this.#stopped) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
    const future = this.#ready.shift()!;
    if (this.options.withResults) return { done: false, value: [future, await this.#outcome(future)] as unknown as Y };
    return { done: false, value: future as unknown as Y };
  }

  /** The result, or the error in its place for a cancelled future (and for a failed one with `raiseErrors: false`). */
  async #outcome(future: Future<T>): Promise<unknown> {
    try {
      return await future.result();
    } catch (error) {
      if (future.status === 'cancelled' || this.options.raiseErrors === false) return error;
      throw error;
    }
  }

  /** Called by `break` in a for-await loop: stop watching. */
  async return(): Promise<IteratorResult<Y>> {
    this.#stopped = true;
    this.#ready = [];
    return { done: true, value: undefined };
  }
}

/**
 * Iterates over `futures` in the order they complete, without polling. Futures can be added while
 * iterating with `add()`; `break` stops watching.
 * @throws FlotillaError when an element is not a Future, or when the result is iterated twice at once.
 * @example
 * ```ts
 * const futures = client.map(simulate, seeds);
 * for await (const [future, result] of asCompleted(futures, { withResults: true })) {
 *   console.log(future.key, result);
 * }
 * ```
 */
export function asCompleted<F extends Future<unknown>>(futures: Iterable<F>, options: { withResults: true; raiseErrors?: boolean }): AsCompleted<FutureValue<F>, [F, FutureValue<F> | Error]>;
/** Iterates over `futures` (of any mix of result types) in the order they complete, yielding the futures themselves. */
export function asCompleted<F extends Future<unknown> = Future<unknown>>(futures?: Iterable<F>, options?: AsCompletedOptions): AsCompleted<FutureValue<F>, F>;
/** As above, with the result type given explicitly (`asCompleted<number>(futures, { withResults: true })`). */
export function asCompleted<T>(futures: Iterable<Future<T>>, options: { withResults: true; raiseErrors?: boolean }): AsCompleted<T, [Future<T>, T | Error]>;
/** As above, with the result type given explicitly (`asCompleted<number>(futures)`). */
export function asCompleted<T>(futures?: Iterable<Future<T>>, options?: AsCompletedOptions): AsCompleted<T, Future<T>>;
export function asCompleted(futures: Iterable<Future<unknown>> = [], options: AsCompletedOptions = {}): AsCompleted<unknown, unknown> {
  return new AsCompleted<unknown, unknown>(futures, options);
}
