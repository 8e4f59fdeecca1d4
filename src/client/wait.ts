/** `wait(futures)`: waits until all (or the first) of the futures are done, within a time limit. */
import { Future, futureState } from './future.js';
import { bounded } from './waiting.js';
import { allDone } from './future-state.js';

/** Options of {@link wait}. */
export interface WaitForFuturesOptions {
  /** Return when every future is done, or when the first one is. @defaultValue 'ALL_COMPLETED' */
  returnWhen?: 'ALL_COMPLETED' | 'FIRST_COMPLETED';
  /** Reject with TimeoutError after this many milliseconds. @defaultValue no limit */
  timeoutMs?: number;
  /** Reject with CancelledError (cause: the signal's reason) when this aborts; at once if it already has. */
  signal?: AbortSignal;
}

/** What {@link wait} resolves to: the given futures split by whether they were done at that moment. */
export interface WaitResult<T> {
  /** Futures whose status is no longer `pending` (finished, failed, cancelled or lost). */
  done: Set<Future<T>>;
  /** Futures still pending (only possible with `returnWhen: 'FIRST_COMPLETED'`). */
  notDone: Set<Future<T>>;
}

/** The result type of a future: `FutureValue<Future<number>>` is `number`; over a union it is the union of results. */
export type FutureValue<F> = F extends Future<infer R> ? R : never;

/**
 * Waits until all (or, with `returnWhen: 'FIRST_COMPLETED'`, the first) of `futures` are done, within
 * `timeoutMs` and until `signal` aborts. The futures may have different result types:
 * `wait([futureOfVoid, futureOfNumber])` gives a `WaitResult<void | number>`.
 *
 * A failed or cancelled task counts as done: `wait` does not reject because of it (read each
 * future's result for that). With no futures it resolves at once.
 *
 * @throws TimeoutError when `timeoutMs` passes first (the message says how many were done).
 * @throws CancelledError when `signal` aborts first, with the signal's reason as `cause`.
 * @example
 * ```ts
 * const { done, notDone } = await wait(futures, { returnWhen: 'FIRST_COMPLETED', timeoutMs: 60_000 });
 * ```
 */
export function wait<F extends Future<unknown>>(futures: Iterable<F>, options?: WaitForFuturesOptions): Promise<WaitResult<FutureValue<F>>>;
export async function wait(futures: Iterable<Future<unknown>>, options: WaitForFuturesOptions = {}): Promise<WaitResult<unknown>> {
  const list = [...futures];
  const returnWhen = options.returnWhen ?? 'ALL_COMPLETED';
  const condition: Promise<unknown> = returnWhen === 'ALL_COMPLETED'
    ? allDone(list.map((f) => futureState(f)))
    : list.length === 0 ? Promise.resolve() : Promise.race(list.map((f) => futureState(f).done));
  await bounded(condition, options, () => {
    const done = list.filter((f) => f.done()).length;
    return `wait(${returnWhen}) timed out after ${options.timeoutMs} ms with ${done} of ${list.length} futures done`;
  });
  const result: WaitResult<unknown> = { done: new Set(), notDone: new Set() };
  for (const future of list) (future.done() ? result.done : result.notDone).add(future);
  return result;
}
