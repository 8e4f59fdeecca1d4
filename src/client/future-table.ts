/**
 * The client's table of task keys: one FutureState per key, shared by every Future handle of it, the
 * count of live handles (dropped by `release()` or by the garbage collector), and the release of a key
 * on the scheduler once no handle holds it. The session's news about keys settles the states here.
 * Kept apart from the Client so that the reference-counting rules live in one place, not among the
 * public methods.
 */
import { CancelledError, LostResultError } from '../errors/index.js';
import type { Future } from './future.js';
import { FutureState } from './future-state.js';
import type { Session, SessionListener } from './session.js';
import { ShardedMap, shardOfString } from '../util/sharded.js';

/** The states of one client's keys and the handles that hold them. See the module comment. */
export class FutureTable {
  /** In shards: a native map of a million keys rehashes whole as a map of that size grows (see util/sharded.ts). */
  readonly #states: Map<string, FutureState> = new ShardedMap<string, FutureState>(shardOfString);
  readonly #registry = new FinalizationRegistry<FutureState>((state) => this.#dropRef(state));
  #session!: Session;
  #closed = false;

  /** The session that released keys are reported to; set once connected, before any future exists. */
  attach(session: Session): void {
    this.#session = session;
  }

  /** The session's callbacks: news about a key settles its state; `workersChanged` is the client's. */
  listener(workersChanged: () => void): SessionListener {
    return {
      finished: (key, nbytes, fields) => this.#states.get(key)?.settle('finished', fields, nbytes),
      erred: (key, error) => this.#states.get(key)?.settle('error', { error }),
      cancelled: (key, reason) => this.#states.get(key)?.markCancelled(`${key} was cancelled: ${reason}`),
      retried: (key) => {
        const state = this.#states.get(key);
        if (state?.status === 'error') state.reset();
      },
      lost: (key, reason) => this.#states.get(key)?.settle('lost', { error: new LostResultError(`the result of ${key} is lost: ${reason}`) }),
      workersChanged,
    };
  }

  /** The state of a key this client holds, if it holds it. */
  get(key: string): FutureState | undefined {
    return this.#states.get(key);
  }

  /** States made so far by {@link FutureTable.stateFor} (a `map` whose every key was new made one per call). */
  created = 0;

  /** The state for a key being submitted: the existing one (pending again if it was cancelled or lost), or a new one. */
  stateFor(key: string): FutureState {
    let state = this.#states.get(key);
    if (!state) {
      this.#states.set(key, (state = new FutureState(key)));
      this.created++;
    }
    else if (state.status === 'cancelled' || state.status === 'lost') state.reset();
    return state;
  }

  /** Counts a new handle's reference down again when the garbage collector takes the handle. */
  track(future: Future<unknown>, state: FutureState): void {
    this.#registry.register(future, state, future);
  }

  /** A handle released explicitly. */
  release(state: FutureState, handle: object): void {
    // An explicit release replaces the one the garbage collector would do later.
    this.#registry.unregister(handle);
    this.#dropRef(state);
  }

  /**
   * Marks the keys cancelled by this client, finished ones too (their values are dropped), so waiters get
   * CancelledError before the scheduler hears of it.
   */
  cancel(keys: readonly string[]): void {
    for (const key of keys) {
      this.#states.get(key)?.markCancelled(`${key} was cancelled by this client`);
    }
  }

  /** client.restart: every key is cancelled, finished ones too (the cluster forgot them all). */
  cancelEverything(reason: string): void {
    for (const state of this.#states.values()) state.markCancelled(`${state.key} was cancelled: ${reason}`);
  }

  /** The erred ones among `keys`, made pending again for a retry (returned so the session can ask for it). */
  retry(keys: readonly string[]): string[] {
    const erred: string[] = [];
    for (const key of new Set(keys)) {
      const state = this.#states.get(key);
      if (state?.status !== 'error') continue;
      state.reset();
      erred.push(key);
    }
    return erred;
  }

  /** The client closes: pending keys are cancelled, and handles dropped later release nothing (the session is gone). */
  close(): void {
    this.#closed = true;
    for (const state of this.#states.values()) {
      if (!state.isDone) state.settle('cancelled', { error: new CancelledError(`${state.key}: the client was closed`, { keys: [state.key] }) });
    }
    this.#states.clear();
  }

  #dropRef(state: FutureState): void {
    if (state.refs <= 0) return;
    state.refs--;
    if (state.refs > 0 || this.#closed) return;
    if (this.#states.get(state.key) === state) this.#states.delete(state.key);
    this.#session.release([state.key]);
  }
}
