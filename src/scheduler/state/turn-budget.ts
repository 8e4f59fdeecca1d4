/**
 * The engine's budget per turn of the event loop (see slice-stats.ts): steps (transitions, and a step
 * per 16 dependents visited) and time, for a run and for the turn; and the fan-outs over many tasks
 * (a root finishing frees a million dependents, a worker holding a million results leaves) that are
 * visited a budget's worth per turn. Apart from the engine because it is bookkeeping of time and
 * steps, while the engine decides what moves.
 */
import { SLICE_MS, type SliceStats } from './slice-stats.js';
import type { TaskRecord, TaskStateName } from './types.js';

/** A fan-out over a task's many dependents, or a sweep over many tasks, left for later turns. */
interface FanOut {
  items: Iterator<TaskRecord>;
  each: (task: TaskRecord) => void;
  /** False once what the fan-out was for no longer holds: the rest is dropped. */
  live: () => boolean;
}

const ALWAYS = (): boolean => true;

/** Dependents a fan-out visits at once, whatever the budget. */
export const FAN_OUT_AT_ONCE = 4_096;

/** Steps and time allowed per run and per turn; Infinity steps when not slicing. */
export class TurnBudget {
  /** Steps spent in this turn. */
  spent = 0;
  /**
   * When slicing, the time a run may take (performance.now()): steps alone do not bound a turn, as a
   * step's cost varies tenfold with the machine's load and the collector. Also when this turn ends.
   */
  #runEnds = Infinity;
  #turnEnds = Infinity;

  constructor(readonly steps: number, private readonly slices: SliceStats) {}

  get slicing(): boolean {
    return this.steps !== Infinity;
  }

  /** A run (a stimulus, or going on with left work) starts: it may take SLICE_MS. */
  startRun(): void {
    if (this.slicing) this.#runEnds = performance.now() + SLICE_MS;
  }

  /** A new turn of the event loop: the step budget is whole again. */
  newTurn(): void {
    if (this.spent > this.slices.largestStepSlice) this.slices.largestStepSlice = this.spent;
    this.spent = 0;
    if (this.slicing) this.#turnEnds = performance.now() + SLICE_MS;
  }

  /** This run's steps or time are spent: what is left waits for a later turn. */
  exhausted(): boolean {
    return this.spent >= this.steps || (this.#runEnds !== Infinity && performance.now() >= this.#runEnds);
  }

  /** Steps left in this turn's budget (Infinity when not slicing; none once the turn's time is up). */
  get left(): number {
    if (this.#turnEnds !== Infinity && performance.now() >= this.#turnEnds) return 0;
    return this.steps - this.spent;
  }
}

/** Fan-outs and sweeps over many tasks, a budget's worth per turn. */
export class FanOuts {
  #queue: FanOut[] = [];

  constructor(private readonly budget: TurnBudget) {}

  get size(): number {
    return this.#queue.length;
  }

  /**
   * Calls `each` for every dependent of `task`: at once for a few, or a budget's worth per turn for many.
   * With `whileState`, a fan-out left for a later turn stops when `task` has left that state meanwhile.
   */
  fanOut(task: TaskRecord, each: (dependent: TaskRecord) => void, whileState?: TaskStateName): void {
    const dependents = task.dependents;
    if (dependents.size <= FAN_OUT_AT_ONCE || !this.budget.slicing) {
      for (const dependent of dependents) each(dependent);
      this.budget.spent += dependents.size >> 4;
      return;
    }
    this.#queue.push({ items: dependents.values(), each, live: whileState === undefined ? ALWAYS : () => task.state === whileState });
  }

  /** Calls `each` for every task of `items` (iterated live, so deleting from it is safe): at once for a few, else a budget's worth per turn. */
  sweep(items: ReadonlySet<TaskRecord>, each: (task: TaskRecord) => void): void {
    if (items.size <= FAN_OUT_AT_ONCE || !this.budget.slicing) {
      for (const task of items) each(task);
      return;
    }
    this.#queue.push({ items: items.values(), each, live: ALWAYS });
  }

  /** Goes on with the queued fan-outs within the budget; `recommended` is how many recommendations wait already. */
  run(recommended: () => number): void {
    const budget = this.budget;
    while (this.#queue.length > 0 && !budget.exhausted()) {
      const fan = this.#queue[0]!;
      if (!fan.live()) {
        this.#queue.shift();
        continue;
      }
      // A step per 16 dependents: visiting one is a check and maybe a recommendation, far cheaper than a
      // transition. Never more than the drain can take this turn: a million recommendations queued at
      // once would be a million objects for the collector.
      const allowed = Math.min((budget.steps - budget.spent) * 16, budget.steps - recommended(), FAN_OUT_AT_ONCE);
      if (allowed <= 0) return;
      let visited = 0;
      let finished = false;
      while (visited < allowed) {
        const next = fan.items.next();
        if (next.done) {
          finished = true;
          break;
        }
        fan.each(next.value);
        visited++;
      }
      budget.spent += Math.ceil(visited / 16);
      if (finished) this.#queue.shift();
    }
  }
}
