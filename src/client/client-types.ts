/** Argument types of `Client.submit` and `map`: where a value may be given as a future of it. */
import type { Future } from './future.js';

/** A function of arguments `A` returning `R`. */
export type Fn<A extends unknown[], R> = (...args: A) => R;

/** A value, a future of it, or (for arrays and plain objects) the same shape holding futures. */
export type Resolvable<T> =
  | T
  | Future<T>
  | (T extends readonly (infer U)[] ? readonly Resolvable<U>[] : T extends Record<string, unknown> ? { [K in keyof T]: Resolvable<T[K]> } : never);

/** Each argument position accepts a Resolvable of its type. */
export type MaybeFuture<A extends unknown[]> = { [K in keyof A]: Resolvable<A[K]> };

/** The iterables of `map`: one per argument position, of values or futures of that position's type. */
export type MapIterables<T extends unknown[]> = { [K in keyof T]: Iterable<T[K] | Future<T[K]>> };
