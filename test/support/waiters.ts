/** Promises that an event resolves: the waits of withCluster's watches, each bounded by a time-out. */

interface Waiter<E> {
  matches(event: E): boolean;
  resolve(): void;
}

export class Waiters<E> {
  readonly #waiting = new Set<Waiter<E>>();

  /**
   * Resolves with the first `notify`ed event that `matches`; rejects after `timeoutMs` with the message
   * `describe()` gives then (so it tells the state at the time-out, not at the start).
   */
  wait(matches: (event: E) => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(waiter);
        reject(new Error(describe()));
      }, timeoutMs);
      const waiter: Waiter<E> = {
        matches,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#waiting.add(waiter);
    });
  }

  notify(event: E): void {
    for (const waiter of this.#waiting) {
      if (!waiter.matches(event)) continue;
      this.#waiting.delete(waiter);
      waiter.resolve();
    }
  }
}
