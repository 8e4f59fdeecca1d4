/**
 * A small real concurrent runner that satisfies TaskClient: each submitted function really runs
 * (in this process) after a pseudo-random delay, so tasks finish out of submission order. It
 * records completion order, the most tasks in flight, and cancellations, for tests to check.
 */
import { CancelledError } from '../../../src/errors/index.js';
import type { TaskClient } from '../../../src/multiprocessing/index.js';

/** A deterministic pseudo-random generator (mulberry32), so a failing order can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class ShuffledClient implements TaskClient {
  /** Submission numbers, in the order the tasks finished. */
  readonly completionOrder: number[] = [];
  /** Submission numbers of the tasks whose `cancel()` was called. */
  readonly cancelled: number[] = [];
  maxInFlight = 0;
  submitted = 0;
  #inFlight = 0;
  readonly #random: () => number;
  readonly #maxDelayMs: number;
  /** Called after each task finishes (tests use it to abort at a known point). */
  onTaskFinished: ((submission: number) => void) | undefined;

  constructor({ seed = 1, maxDelayMs = 30 }: { seed?: number; maxDelayMs?: number } = {}) {
    this.#random = seededRandom(seed);
    this.#maxDelayMs = maxDelayMs;
  }

  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> & { release(): void; cancel(): void } {
    const submission = this.submitted++;
    const delayMs = Math.floor(this.#random() * this.#maxDelayMs);
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    let timer: NodeJS.Timeout | undefined;
    let rejectEarly: ((error: Error) => void) | undefined;
    const run = new Promise<Awaited<R>>((resolve, reject) => {
      rejectEarly = reject;
      timer = setTimeout(() => {
        timer = undefined;
        const settle = async (): Promise<void> => {
          try {
            resolve(await fn(...args));
          } catch (error) {
            reject(error);
          }
        };
        void settle();
      }, delayMs);
    }).finally(() => {
      this.#inFlight--;
      this.completionOrder.push(submission);
      this.onTaskFinished?.(submission);
    });
    return Object.assign(run, {
      release: () => undefined,
      cancel: () => {
        this.cancelled.push(submission);
        if (timer !== undefined) {
          clearTimeout(timer);
          rejectEarly?.(new CancelledError(`task ${submission} was cancelled`));
        }
      },
    });
  }
}
