/** The types of actors as the client sees them: the options of `submitActor` and the typed handle. */
import type { MaybeFuture } from '../client/client-types.js';
import type { Future } from '../client/future.js';

/** Options of `client.submitActor`. */
export interface ActorOptions {
  /** Worker ids, names, hosts or addresses the actor may live on (as for `submit`). */
  workers?: string[];
  /** With `workers`: prefer them, but allow others. @defaultValue false */
  allowOtherWorkers?: boolean;
  /**
   * Abstract resources the actor's worker must offer, e.g. `{ GPU: 1 }`. They choose the worker, and
   * the actor holds them there while it lives (as in Dask): tasks that need them go to other workers or
   * wait until the actor is released or lost. The actor runs on a thread of its own.
   */
  resources?: Record<string, number>;
  /**
   * How many calls of async methods may run at once on the actor. With 1, each call (async or not)
   * finishes before the next starts; above 1, an async method that awaits lets the next calls start,
   * up to this many at once (they still start in call order). Sync methods always run one at a time.
   * @defaultValue 1
   */
  maxConcurrency?: number;
  /**
   * How many times the actor is constructed again, on another worker, when its worker (or its thread)
   * dies. A restarted actor starts from its constructor: what earlier calls did to it is lost, the calls
   * that were running or queued on the dead worker fail with `ActorLostError`, and finished calls whose
   * results were held there fail with `LostResultError` when read. Calls made later, and calls still
   * waiting for their inputs, run on the new one.
   * @defaultValue 0
   */
  maxRestarts?: number;
}

/** Names the handle keeps for itself; a class with a member of one of these names cannot be an actor. */
export const RESERVED_NAMES = ['actorKey', 'constructed', 'release', 'then'] as const;
type Reserved = (typeof RESERVED_NAMES)[number];

/** A method of the actor as its handle offers it: the same arguments (futures allowed), a future of what it returns. */
export type ActorMethod<F> = F extends (...args: infer A) => infer R ? (...args: MaybeFuture<A>) => Future<Awaited<R>> : never;

/** What every actor handle has besides the actor's own members. */
export interface ActorControls {
  /** The actor's key: the key of the task that constructed it (`<ClassName>-<id>`). */
  readonly actorKey: string;
  /** Resolves (to null) once the constructor ran on the actor's worker; rejects with its error. */
  readonly constructed: Future<null>;
  /**
   * Lets go of the actor: once the calls already made have run, its thread ends and its memory is
   * freed. Later calls on this handle throw. Dropping every reference to the handle does the same
   * (when the garbage collector takes it). Idempotent.
   */
  release(): void;
}

/**
 * A handle on an actor of class `T` (from `client.submitActor`). Each method of `T` is here with the
 * same arguments, returning a Future of its (awaited) result; each other member (a field, a getter) is
 * a Future of its current value, read anew at each access. Futures from the handle may be passed to
 * tasks and to other calls, like any future.
 *
 * @example
 * ```ts
 * const counter = client.submitActor(Counter, [10]);
 * await counter.increment(2);   // 12
 * await counter.n;              // 12
 * counter.release();
 * ```
 */
export type ActorHandle<T> = {
  readonly [K in keyof T as K extends Reserved ? never : K]: T[K] extends (...args: never[]) => unknown ? ActorMethod<T[K]> : Future<T[K]>;
} & ActorControls;
