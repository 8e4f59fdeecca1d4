/**
 * Keeps the scheduler's event loop turning while big stimuli run in slices (see state/slice-stats.ts):
 * once per turn it gives the state a fresh step budget and lets it go on with what is left, then sends
 * what that queued. Messages a client sends while keys it sent earlier are still being taken in wait
 * here, in order, and are handled once those keys are in: a cancel or release never overtakes the
 * submit it is about. Worker messages (heartbeats, results) are never held back.
 */
import type { SchedulerState } from './state/scheduler-state.js';
import type { ClientRecord } from './state/types.js';

/** One held-back client message and how to handle it. */
interface Held {
  handle: () => void;
}

export class SliceRunner {
  readonly #held = new Map<ClientRecord, Held[]>();
  #scheduled = false;
  #closed = false;

  constructor(private readonly state: SchedulerState, private readonly flush: () => void) {}

  /** True when a message from `client` must wait (see {@link hold}) rather than be handled now. */
  mustHold(client: ClientRecord): boolean {
    return this.#held.has(client) || this.state.busyWith(client);
  }

  /** Holds back `client`'s message until the keys it sent before are in. */
  hold(client: ClientRecord, handle: () => void): void {
    let list = this.#held.get(client);
    if (!list) this.#held.set(client, (list = []));
    list.push({ handle });
    this.schedule();
  }

  /** A client left: what it still had waiting is dropped with it. */
  forget(client: ClientRecord): void {
    this.#held.delete(client);
  }

  /**
   * Called after every batch. The step budget is per turn of the event loop, however many batches the
   * turn brings, so it is renewed by a callback of the next turn, which also goes on with any work left.
   */
  schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  close(): void {
    this.#closed = true;
  }

  #turn(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    this.state.newTurn();
    if (!this.state.hasPendingWork && this.#held.size === 0) return;
    const began = performance.now();
    this.state.continueWork();
    this.#release();
    this.flush();
    this.state.slices.turnTook(performance.now() - began);
    if (this.state.hasPendingWork || this.#held.size > 0) {
      this.#scheduled = true;
      setImmediate(() => this.#turn());
    }
  }

  /**
   * Handles held-back messages of clients whose earlier keys are all in, in order, until this turn's
   * budget is spent: each message is a stimulus with its own time budget, and many were held.
   */
  #release(): void {
    // At least one message per turn, so that held messages move on even while left work fills every turn.
    let handled = 0;
    for (const [client, list] of this.#held) {
      if (handled > 0 && this.state.turnSpent) return;
      if (this.state.busyWith(client)) continue;
      let i = 0;
      while (i < list.length && !this.state.busyWith(client) && (handled === 0 || !this.state.turnSpent)) {
        list[i++]!.handle();
        handled++;
      }
      list.splice(0, i);
      if (list.length === 0) this.#held.delete(client);
    }
  }
}
