/** `wait(futures)`: waits until all (or the first) of the futures are done, within a time limit. */
import { Future } from './future.js';
import { bounded } from './waiting.js';
import { allDone } from './future-state.js';

export interface WaitForFuturesOptions {
  /** @defaultValue 'ALL_COMPLETED' */
  returnWhen?: 'ALL_COMPLETED' | 'FIRST_COMPLETED';
  /** Reject with TimeoutError after this many milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WaitResult<T> {
  done: Set<Future<T>>;
  notDone: Set<Future<T>>;
}

export async function wait<T>(futures: Iterable<Future<T>>, options: WaitForFuturesOptions = {}): Promise<WaitResult<T>> {
  const list = [...futures];
  const returnWhen = options.returnWhen ?? 'ALL_COMPLETED';
  const condition: Promise<unknown> = returnWhen === 'ALL_COMPLETED'
    ? allDone(list.map((f) => f.state))
    : list.length === 0 ? Promise.resolve() : Promise.race(list.map((f) => f.state.done));
  await bounded(condition, options, () => {
    const done = list.filter((f) => f.done()).length;
    return `wait(${returnWhen}) timed out after ${options.timeoutMs} ms with ${done} of ${list.length} futures done`;
  });
  const result: WaitResult<T> = { done: new Set(), notDone: new Set() };
  for (const future of list) (future.done() ? result.done : result.notDone).add(future);
  return result;
}
