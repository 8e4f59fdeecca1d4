/**
 * Bounds for every bench loop: a count, a soft time budget (stop repeating once spent) and a hard
 * time limit (give up on a workload that hangs, so the bench goes on with the others).
 */
import { TimeoutError } from '../src/errors/index.js';

/** How often and how long one workload may repeat. */
export interface RepetitionLimits {
  /** Samples to take at most. */
  maxRepetitions: number;
  /** Samples to take at least, even when the budget is spent (unless the hard limit hits first). */
  minRepetitions: number;
  /** Stop starting new repetitions once this many seconds have passed. */
  budgetSeconds: number;
  /** Abandon the workload after this many seconds (it is reported as `timeout`). */
  timeLimitSeconds: number;
}

/**
 * Tells a repetition loop whether to go on: below `maxRepetitions`, and either below
 * `minRepetitions` or still inside the budget.
 */
export class RepetitionGate {
  readonly #startMs = performance.now();
  constructor(private readonly limits: RepetitionLimits) {}

  /** True when another repetition may start, given `done` repetitions so far. */
  mayRepeat(done: number): boolean {
    if (done >= this.limits.maxRepetitions) return false;
    if (done < this.limits.minRepetitions) return true;
    return performance.now() - this.#startMs < this.limits.budgetSeconds * 1000;
  }
}

/**
 * Resolves or rejects like `work`, or rejects with a TimeoutError naming `what` after `limitMs`.
 * The timer is cleared either way, so it never keeps the process alive.
 */
export async function withTimeLimit<T>(work: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not finish within ${(limitMs / 1000).toFixed(1)} s`)), limitMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds left until `deadlineMs` (a `performance.now()` reading), at least `floorMs`. */
export function remainingMs(deadlineMs: number, floorMs = 1): number {
  return Math.max(floorMs, deadlineMs - performance.now());
}
