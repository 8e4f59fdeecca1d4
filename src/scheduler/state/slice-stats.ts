/**
 * How the scheduler keeps every turn of its event loop short: big stimuli are cut into slices. A submit,
 * cancel or release of many keys is taken a slice of keys at a time, and the transitions a stimulus sets
 * off (a root finishing frees a million dependents) run a bounded number per turn; what is left waits for
 * the next turn, after the messages that arrived meanwhile (heartbeats above all) were heard.
 */

/** Keys of one submit, cancel or release taken in one slice. */
export const SLICE_KEYS = 500;
/**
 * Milliseconds of transitions one run (a stimulus, or going on with left work) may take, and one turn of
 * going on with left work: the rest waits for the next turn. With the receive loop's own share (it
 * yields after 10 ms) and a young-generation collection, a turn stays well under 50 ms.
 */
export const SLICE_MS = 8;
/** Transitions (and fan-out steps over a task's dependents) run in one turn before the rest waits. */
export const SLICE_STEPS = 5_000;

/** What the slicing did since the start: for tests and the bench. */
export interface SliceSummary {
  /** Most keys taken in one slice. */
  largestKeySlice: number;
  /** Most steps (transitions and fan-out steps) run in one turn. */
  largestStepSlice: number;
  /** Times work was left for a later turn. */
  yields: number;
  /** The longest turn spent going on with left work, and the longest spent handling one batch of messages, in ms (measured, for the bench). */
  longestTurnMs: number;
  longestBatchMs: number;
  /** Turns of going on with left work, and batches, that took more than {@link SLOW_MS} (measured). */
  slowTurns: number;
  slowBatches: number;
}

/** A turn or batch longer than this is counted as slow (the goal for a whole turn of the event loop). */
export const SLOW_MS = 50;

export class SliceStats {
  largestKeySlice = 0;
  largestStepSlice = 0;
  yields = 0;
  longestTurnMs = 0;
  longestBatchMs = 0;
  slowTurns = 0;
  slowBatches = 0;

  /** Records how long a turn of going on with left work took. */
  turnTook(ms: number): void {
    if (ms > this.longestTurnMs) this.longestTurnMs = ms;
    if (ms > SLOW_MS) this.slowTurns++;
  }

  /** Records how long handling one batch of messages took. */
  batchTook(ms: number): void {
    if (ms > this.longestBatchMs) this.longestBatchMs = ms;
    if (ms > SLOW_MS) this.slowBatches++;
  }

  summary(): SliceSummary {
    return {
      largestKeySlice: this.largestKeySlice, largestStepSlice: this.largestStepSlice, yields: this.yields,
      longestTurnMs: Math.round(this.longestTurnMs), longestBatchMs: Math.round(this.longestBatchMs),
      slowTurns: this.slowTurns, slowBatches: this.slowBatches,
    };
  }
}
