/**
 * The order of an actor's calls when the actor lives in the caller (the `sync` mode): calls start in the
 * order they were made (each takes a ticket when made, and runs when its inputs are ready and its turn
 * has come), at most `maxConcurrency` async calls run at once, and with 1 each call finishes before the
 * next starts, as on a worker's actor thread (src/worker/actor-instances.ts).
 */

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

export class CallLine {
  #issued = 0;
  /** The ticket whose turn it is. */
  #next = 0;
  /** Async calls started and not settled. */
  #running = 0;
  readonly #waiting = new Map<number, () => void>();
  readonly #skipped = new Set<number>();

  constructor(private readonly maxConcurrency: number) {}

  /** The place of a call made now. */
  ticket(): number {
    return this.#issued++;
  }

  /** Runs call `ticket` (`fn`) now if its turn has come and there is room, else later; its result, or a promise of it. */
  run(ticket: number, fn: () => unknown): unknown {
    if (ticket === this.#next && this.#running < this.maxConcurrency) return this.#start(fn);
    return new Promise((resolve, reject) => {
      this.#waiting.set(ticket, () => {
        try {
          Promise.resolve(this.#start(fn)).then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  /** Call `ticket` will not run (it failed before, on an input): the calls behind it go on. */
  skip(ticket: number): void {
    if (ticket < this.#next || this.#waiting.has(ticket)) return;
    this.#skipped.add(ticket);
    this.#pump();
  }

  #start(fn: () => unknown): unknown {
    this.#next++;
    let result: unknown;
    try {
      result = fn();
    } catch (error) {
      this.#pump();
      throw error;
    }
    if (isThenable(result)) {
      this.#running++;
      const settled = (): void => {
        this.#running--;
        this.#pump();
      };
      result.then(settled, settled);
    }
    this.#pump();
    return result;
  }

  #pump(): void {
    for (;;) {
      if (this.#skipped.delete(this.#next)) {
        this.#next++;
        continue;
      }
      const start = this.#waiting.get(this.#next);
      if (!start || this.#running >= this.maxConcurrency) return;
      this.#waiting.delete(this.#next);
      start();
    }
  }
}
