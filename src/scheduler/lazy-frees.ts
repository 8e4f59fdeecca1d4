/**
 * Holds a worker's `free-keys` messages back until something else goes to that worker, or a short delay
 * passes.
 *
 * Why: freeing memory is never urgent, but a message of its own is not free. In a submit → result →
 * release loop, the release of one task used to reach the worker on its own, just before the next
 * task's `compute`: two sends from the scheduler and two wake-ups of the worker per task, where one
 * does. Held frees go out *before* the next message to the same worker, in the same batch, so the
 * worker still sees every message in the order the scheduler made them (a key freed and then computed
 * again is freed first, then computed).
 */
import type { TaskKey } from '../protocol/messages.js';

/** How long frees may wait for another message to the same worker before they go alone. */
export const FREE_DELAY_MS = 20;

export class LazyFrees {
  #held = new Map<string, TaskKey[]>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly sendNow: (peer: string, message: { op: 'free-keys'; keys: TaskKey[] }) => void) {}

  /** Keeps `keys` to free on `peer` until its next message or the delay. */
  hold(peer: string, keys: TaskKey[]): void {
    const held = this.#held.get(peer);
    if (held) held.push(...keys);
    else this.#held.set(peer, keys.slice());
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.flushAll(), FREE_DELAY_MS);
      // Frees must not keep a process alive that has nothing else to do.
      this.#timer.unref();
    }
  }

  /** Call before any other message to `peer`: its held frees go first. */
  before(peer: string): void {
    if (this.#held.size === 0) return;
    const keys = this.#held.get(peer);
    if (!keys) return;
    this.#held.delete(peer);
    this.sendNow(peer, { op: 'free-keys', keys });
  }

  /** Sends everything held now (the delay passed, or the scheduler closes). */
  flushAll(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = this.#held;
    this.#held = new Map();
    for (const [peer, keys] of held) this.sendNow(peer, { op: 'free-keys', keys });
  }

  /** The worker is gone: its frees are moot. */
  forget(peer: string): void {
    this.#held.delete(peer);
  }
}
