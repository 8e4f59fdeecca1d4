/**
 * The read side of futures: waiting for a key within a time limit, decoding a small result that came
 * with its completion report, fetching the others from the workers, and `gather` over nested shapes of
 * futures. Apart from FutureTable because this is the only part that reads values or asks for them.
 */
import { FlotillaError, LostResultError } from '../errors/index.js';
import type { Future, WaitOptions } from './future.js';
import { allDone, type FutureState } from './future-state.js';
import type { FutureTable } from './future-table.js';
import { decodeWire } from './remote-session.js';
import type { Session } from './session.js';
import { SKIP, collectFutures, replaceFutures } from './structure.js';
import { bounded } from './waiting.js';
import { futureState } from './future.js';

/** The shape `gather` returns: futures replaced by their results. */
export type Gathered<T> = T extends Future<infer R>
  ? R
  : T extends readonly unknown[]
    ? { [K in keyof T]: Gathered<T[K]> }
    : T extends Record<string, unknown>
      ? { [K in keyof T]: Gathered<T[K]> }
      : T;

/** The result of one key once it is done, or its error (see `Future.result`). */
export async function readResult(state: FutureState, session: Session, options?: WaitOptions): Promise<unknown> {
  if (!state.isDone) {
    await bounded(state.done, options, () => `${state.key} did not finish within ${options?.timeoutMs} ms (it is still ${state.status})`);
  }
  switch (state.status) {
    case 'finished':
      return valueOf(state, session);
    case 'pending':
      throw new FlotillaError(`${state.key} is pending again (it is being recomputed); wait for it again`);
    default:
      throw state.error ?? new FlotillaError(`${state.key} ended with status ${state.status}`);
  }
}

/** `client.gather`: the results of the futures inside `futures`, in the same shape, fetched in one request where needed. */
export async function gatherResults<T>(futures: T, table: FutureTable, session: Session, options: { errors?: 'raise' | 'skip' } & WaitOptions): Promise<Gathered<T>> {
  const all = collectFutures(futures);
  await bounded(allDone(all.map((f) => futureState(f))), options, () => {
    const pending = all.filter((f) => !f.done()).length;
    return `gather timed out after ${options.timeoutMs} ms with ${pending} of ${all.length} futures still pending`;
  });
  const errorsMode = options.errors ?? 'raise';
  if (errorsMode === 'raise') {
    const failed = all.find((f) => f.status !== 'finished');
    if (failed) throw futureState(failed).error ?? new FlotillaError(`${failed.key} ended with status ${failed.status}`);
  }
  const missing = all.filter((f) => f.status === 'finished' && !futureState(f).hasValue && !futureState(f).wire).map((f) => f.key);
  if (missing.length) {
    const fetched = await session.fetch([...new Set(missing)]);
    for (const [key, value] of fetched) {
      const state = table.get(key);
      if (state && !state.hasValue) {
        state.value = value;
        state.hasValue = true;
      }
    }
  }
  // Read in the order replaceFutures visits the futures (collectFutures' order), one slot each; a state
  // keeps its value once read, so handles sharing a key read it once. Values at hand are read without a
  // promise each (a map's results nearly all came with their completion reports).
  const values: unknown[] = new Array(all.length);
  for (let i = 0; i < all.length; i++) {
    const future = all[i]!;
    if (future.status !== 'finished') {
      values[i] = SKIP;
      continue;
    }
    const state = futureState(future);
    values[i] = state.hasValue ? state.value : state.wire ? decodeHeld(state) : await valueOf(state, session);
  }
  let next = 0;
  return replaceFutures(futures, () => values[next++]) as Gathered<T>;
}

/** Decodes the small result that came with the completion report of `state`'s key, and keeps it. */
function decodeHeld(state: FutureState): unknown {
  state.value = decodeWire(state.wire!);
  state.hasValue = true;
  state.wire = undefined;
  return state.value;
}

async function valueOf(state: FutureState, session: Session): Promise<unknown> {
  if (state.hasValue) return state.value;
  if (state.wire) return decodeHeld(state);
  const values = await session.fetch([state.key]);
  if (!values.has(state.key)) throw new LostResultError(`the result of ${state.key} could not be fetched from any worker`);
  state.value = values.get(state.key);
  state.hasValue = true;
  return state.value;
}
