/**
 * Lets the event loop turn while a receive loop works through a backlog. A ZeroMQ socket with messages
 * waiting hands them over without going back to the event loop, so a backlog of thousands (a client
 * sending a million tasks in chunks) would otherwise be decoded and handled in one turn, starving
 * timers (heartbeats, liveness) and every other socket for seconds.
 */

/** Work of one receive loop between two pauses, in milliseconds. */
const WORK_BETWEEN_PAUSES_MS = 10;

/**
 * A gap this long between handling one message and receiving the next means the loop waited for it
 * (its socket was empty): the work since the last pause starts again from there.
 */
const IDLE_GAP_MS = 1;

export class TurnPause {
  /** When the loop's current stretch of work began (the last pause, or the end of its last wait). */
  #since = performance.now();
  /** When the loop finished handling its last message. */
  #handledAt = this.#since;

  /**
   * Resolves at once, or after a turn of the event loop when this loop has worked long enough since
   * the last pause. Only work counts: a loop that waited for its message starts a new stretch (a loop
   * serving one message at a time never pauses; one working through a backlog pauses every
   * WORK_BETWEEN_PAUSES_MS).
   */
  now(): Promise<void> | undefined {
    const now = performance.now();
    if (now - this.#handledAt > IDLE_GAP_MS) this.#since = now;
    if (now - this.#since < WORK_BETWEEN_PAUSES_MS) return undefined;
    return new Promise((resolve) => {
      setImmediate(() => {
        this.#since = performance.now();
        resolve();
      });
    });
  }

  /** The message received last is handled (call after each, whatever became of it). */
  handled(): void {
    this.#handledAt = performance.now();
  }
}
