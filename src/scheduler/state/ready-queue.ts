/**
 * Tasks ready to run: highest priority first; at equal priority, the clients that want them take turns
 * (round-robin), and each client's own tasks go first submitted first. Dask orders by a priority tuple
 * whose first part is a per-submission counter, so a client that submits a large graph first has all of
 * it served before a second client's first task; here the second client's first task comes one turn after
 * it arrives. A task belongs to the first client that wanted it when it was queued (tasks nobody wants,
 * such as inputs kept for a dependent, share one lane of their own).
 */
import { Heap } from '../../util/heap.js';
import { SeqHeap } from './seq-heap.js';
import type { ClientRecord, TaskRecord } from './types.js';

/** One client's queued tasks at one priority, oldest submission first. */
interface Lane {
  readonly owner: ClientRecord | null;
  readonly tasks: SeqHeap;
  /** True while the lane is in its level's turn order. */
  inTurn: boolean;
}

/** The lanes of one priority, in the order they take turns (the lane at the front goes next). */
interface Level {
  readonly priority: number;
  readonly lanes: Map<ClientRecord | null, Lane>;
  readonly turns: Lane[];
}

const byPriority = (a: Level, b: Level): boolean => a.priority > b.priority;

function ownerOf(task: TaskRecord): ClientRecord | null {
  for (const client of task.wantedBy) return client;
  return null;
}

export class ReadyQueue {
  readonly #levels = new Map<number, Level>();
  readonly #order = new Heap<Level>(byPriority);
  #members = new Set<TaskRecord>();
  /** Entries left in the lanes by `delete` (about: pops that skip one count it down). */
  #stale = 0;

  get size(): number {
    return this.#members.size;
  }

  has(task: TaskRecord): boolean {
    return this.#members.has(task);
  }

  push(task: TaskRecord): void {
    if (this.#members.has(task)) return;
    this.#members.add(task);
    this.#laneFor(task).tasks.push(task);
  }

  /**
   * Puts back a task `pop` just returned and that could not be placed, and gives its client the turn
   * back, so that a pass that stops at a full cluster does not cost that client its place.
   */
  putBack(task: TaskRecord): void {
    if (this.#members.has(task)) return;
    this.push(task);
    const level = this.#levels.get(task.priority)!;
    const lane = level.lanes.get(ownerOf(task))!;
    const at = level.turns.indexOf(lane);
    if (at > 0) {
      level.turns.splice(at, 1);
      level.turns.unshift(lane);
    }
  }

  /**
   * Counts a queued task that is assigned elsewhere (an actor's, see actor-router.ts): `has` and
   * `delete` know it, `pop` never returns it.
   */
  hold(task: TaskRecord): void {
    this.#members.add(task);
  }

  /**
   * Removal is lazy: the task is skipped when it reaches the front of its lane. Once most entries are
   * such leftovers (a million queued tasks cancelled), the lanes are rebuilt from the members in one
   * linear pass: otherwise one pop would skip hundreds of thousands of them in one turn.
   */
  delete(task: TaskRecord): void {
    if (!this.#members.delete(task)) return;
    if (++this.#stale <= this.#members.size + 4_096) return;
    this.#stale = 0;
    for (const level of this.#levels.values()) for (const lane of level.lanes.values()) lane.tasks.retain((t) => this.#members.has(t));
  }

  pop(): TaskRecord | undefined {
    for (;;) {
      const level = this.#order.peek();
      if (level === undefined) return undefined;
      const lane = level.turns[0];
      if (lane === undefined) {
        this.#order.pop();
        this.#levels.delete(level.priority);
        continue;
      }
      level.turns.shift();
      let task: TaskRecord | undefined;
      while ((task = lane.tasks.pop()) !== undefined && !this.#members.delete(task)) if (this.#stale > 0) this.#stale--;
      if (lane.tasks.size > 0) level.turns.push(lane);
      else {
        lane.inTurn = false;
        level.lanes.delete(lane.owner);
      }
      if (task !== undefined) return task;
    }
  }

  #laneFor(task: TaskRecord): Lane {
    let level = this.#levels.get(task.priority);
    if (!level) {
      level = { priority: task.priority, lanes: new Map(), turns: [] };
      this.#levels.set(task.priority, level);
      this.#order.push(level);
    }
    const owner = ownerOf(task);
    let lane = level.lanes.get(owner);
    if (!lane) {
      lane = { owner, tasks: new SeqHeap(), inTurn: false };
      level.lanes.set(owner, lane);
    }
    if (!lane.inTurn) {
      lane.inTurn = true;
      level.turns.push(lane);
    }
    return lane;
  }
}
