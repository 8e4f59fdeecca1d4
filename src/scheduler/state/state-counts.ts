/**
 * Tasks by state, overall and per task group, kept up to date by the engine as tasks are created, move
 * and are forgotten. The dashboard's live feed and `client.schedulerInfo()` read them several times a
 * second: counting a million tasks each time was a long turn of the scheduler's event loop.
 */
import type { TaskRecord, TaskStateName } from './types.js';

/** One count per state (forgotten tasks are gone from the graph and not counted). */
type Counts = Record<TaskStateName, number>;

function zero(): Counts {
  return { released: 0, waiting: 0, queued: 0, processing: 0, memory: 0, erred: 0, cancelled: 0, lost: 0, forgotten: 0 };
}

/** The states with a task in them, as `{ state: count }` (what a scan of the graph gives). */
function nonZero(counts: Counts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const state in counts) {
    const n = counts[state as TaskStateName];
    if (n > 0) out[state] = n;
  }
  return out;
}

export class StateCounts {
  readonly #all = zero();
  readonly #byGroup = new Map<string, Counts>();

  /** A task entered the graph (in `released`). */
  added(task: TaskRecord): void {
    this.#all[task.state]++;
    this.#group(task.group)[task.state]++;
  }

  /** A task moved from `from` to `to`; moving to `forgotten` takes it out of the graph. */
  moved(task: TaskRecord, from: TaskStateName, to: TaskStateName): void {
    const group = this.#group(task.group);
    this.#all[from]--;
    group[from]--;
    if (to === 'forgotten') return;
    this.#all[to]++;
    group[to]++;
  }

  /** Tasks by state now. */
  byState(): Record<string, number> {
    return nonZero(this.#all);
  }

  /** Per group that has tasks now: its tasks by state. */
  byGroup(): Map<string, Record<string, number>> {
    const out = new Map<string, Record<string, number>>();
    for (const [group, counts] of this.#byGroup) {
      const states = nonZero(counts);
      if (Object.keys(states).length > 0) out.set(group, states);
      // A group with no task left costs nothing to keep; dropping it keeps the map to live groups.
      else this.#byGroup.delete(group);
    }
    return out;
  }

  #group(group: string): Counts {
    let counts = this.#byGroup.get(group);
    if (!counts) this.#byGroup.set(group, (counts = zero()));
    return counts;
  }
}
