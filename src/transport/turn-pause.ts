/**
 * Lets the event loop turn while a receive loop works through a backlog. A ZeroMQ socket with messages
 * waiting hands them over without going back to the event loop, so a backlog of thousands (a client
 * sending a million tasks in chunks) would otherwise be decoded and handled in one turn, starving
 * timers (heartbeats, liveness) and every other socket for seconds.
 */

/** Work of one receive loop between two pauses, in milliseconds. */
const WORK_BETWEEN_PAUSES_MS = 10;

export class TurnPause {
  #since = performance.now();

  /** Resolves at once, or after a turn of the event loop when this loop has worked long enough since the last pause. */
  now(): Promise<void> | undefined {
    const now = performance.now();
    if (now - this.#since < WORK_BETWEEN_PAUSES_MS) return undefined;
    return new Promise((resolve) => {
      setImmediate(() => {
        this.#since = performance.now();
        resolve();
      });
    });
  }
}
