/**
 * What the client knows about one task key. Every `Future` handle for the key shares this record, so a
 * pure key submitted twice resolves both handles at once.
 */
import { CancelledError } from '../errors/index.js';
import type { WireValue } from '../protocol/messages.js';

/**
 * A future's status: `pending` until the task settles, then `finished`, `error` (the task threw),
 * `cancelled`, or `lost` (a finished result whose holder died and that could not be recomputed).
 */
export type FutureStatus = 'pending' | 'finished' | 'error' | 'cancelled' | 'lost';

/** What a settled key carries. */
export interface SettledFields {
  error?: Error;
  wire?: WireValue;
  value?: unknown;
  hasValue?: boolean;
  nbytes?: number;
}

/** For the common settle with nothing to carry: no object per task. */
export const NO_FIELDS: SettledFields = Object.freeze({});

export class FutureState {
  status: FutureStatus = 'pending';
  /** Handles alive for this key; at zero the client releases the key on the scheduler. */
  refs = 0;
  #error: Error | undefined;
  /** Why it was cancelled, until the CancelledError is asked for: a million cancels build no error up front. */
  #cancelMessage: string | undefined;
  /** A small result that came with the completion report, decoded on first use. */
  wire: WireValue | undefined;
  value: unknown;
  hasValue = false;
  nbytes = 0;
  /**
   * Who waits for this key to leave `pending`: nobody, one callback, or several. Most keys of a big map
   * are waited for by one `gather`, through one shared callback, so a key costs no promise of its own.
   */
  #waiters: (() => void) | Array<() => void> | undefined;
  #done: Promise<void> | undefined;

  constructor(readonly key: string) {}

  /** Why the task failed, was cancelled or was lost (undefined while pending or finished). */
  get error(): Error | undefined {
    if (this.#error === undefined && this.#cancelMessage !== undefined) {
      this.#error = new CancelledError(this.#cancelMessage, { keys: [this.key] });
    }
    return this.#error;
  }

  set error(error: Error | undefined) {
    this.#error = error;
    this.#cancelMessage = undefined;
  }

  /** Resolves (never rejects) when the status leaves `pending`; made on first use. */
  get done(): Promise<void> {
    if (this.status !== 'pending') return Promise.resolve();
    return (this.#done ??= new Promise((resolve) => this.whenDone(resolve)));
  }

  /** Calls `callback` once when the status leaves `pending` (at once if it has). */
  whenDone(callback: () => void): void {
    if (this.status !== 'pending') callback();
    else if (this.#waiters === undefined) this.#waiters = callback;
    else if (typeof this.#waiters === 'function') this.#waiters = [this.#waiters, callback];
    else this.#waiters.push(callback);
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = undefined;
    this.#done = undefined;
    if (waiters === undefined) return;
    if (typeof waiters === 'function') waiters();
    else for (const waiter of waiters) waiter();
  }

  get isDone(): boolean {
    return this.status !== 'pending';
  }

  /** Leaves `pending` for `status` (see the class comment); `nbytes` when given wins over `fields.nbytes`. */
  settle(status: Exclude<FutureStatus, 'pending'>, fields: SettledFields = NO_FIELDS, nbytes = fields.nbytes ?? 0): void {
    if (this.status !== 'pending' && !(status === 'finished' && this.status === 'lost')) {
      // A later report for a settled key (e.g. a retry finishing after a cancel) changes nothing the user saw.
      if (this.status === 'finished' && status !== 'finished') this.#reopenAs(status, fields);
      return;
    }
    this.status = status;
    this.#error = fields.error;
    this.wire = fields.wire;
    if (fields.hasValue) {
      this.value = fields.value;
      this.hasValue = true;
    }
    this.nbytes = nbytes;
    this.#notify();
  }

  /** A finished result can later be lost (its holder died and it could not be recomputed). */
  #reopenAs(status: Exclude<FutureStatus, 'pending'>, fields: { error?: Error }): void {
    if (this.hasValue) return; // we still hold the value: nothing is lost for this client
    this.status = status;
    this.error = fields.error;
  }

  /**
   * The key was cancelled (by this client, or on the cluster for every client): whatever its status was,
   * it is now `cancelled` and a value it held is dropped, since the cluster no longer keeps the result
   * for this client (as in Dask). Its CancelledError, with `message`, is made when first asked for; a key
   * already cancelled keeps the first reason.
   */
  markCancelled(message: string): void {
    if (this.status === 'cancelled') return;
    if (this.status === 'pending') {
      this.#cancelMessage = message;
      this.settle('cancelled');
      return;
    }
    this.status = 'cancelled';
    this.error = undefined;
    this.#cancelMessage = message;
    this.wire = undefined;
    this.value = undefined;
    this.hasValue = false;
  }

  /** Back to pending (the task is being computed again after a re-submission). */
  reset(): void {
    if (this.status === 'pending') return;
    this.status = 'pending';
    this.error = undefined;
    this.wire = undefined;
    this.value = undefined;
    this.hasValue = false;
  }
}

/**
 * Resolves when every state in `states` has left `pending`: one promise and one shared callback for the
 * lot, where `Promise.all` over their `done` would make a promise and two closures per key.
 */
export function allDone(states: Iterable<FutureState>): Promise<void> {
  let pending = 1; // released after registering, so a state settling meanwhile cannot resolve early
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const one = (): void => {
    if (--pending === 0) resolveAll();
  };
  for (const state of states) {
    if (state.isDone) continue;
    pending++;
    state.whenDone(one);
  }
  one();
  return all;
}
