/** Tasks ready to run, highest priority first, then first submitted first. */
import { Heap } from '../../util/heap.js';
import type { TaskRecord } from './types.js';

function before(a: TaskRecord, b: TaskRecord): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}

export class ReadyQueue {
  #heap = new Heap<TaskRecord>(before);
  #members = new Set<TaskRecord>();

  get size(): number {
    return this.#members.size;
  }

  has(task: TaskRecord): boolean {
    return this.#members.has(task);
  }

  push(task: TaskRecord): void {
    if (this.#members.has(task)) return;
    this.#members.add(task);
    this.#heap.push(task);
  }

  /**
   * Counts a queued task that is assigned elsewhere (an actor's, see actor-router.ts): `has` and
   * `delete` know it, `pop` never returns it.
   */
  hold(task: TaskRecord): void {
    this.#members.add(task);
  }

  /** Removal is lazy: the task is skipped when it reaches the top. */
  delete(task: TaskRecord): void {
    this.#members.delete(task);
  }

  pop(): TaskRecord | undefined {
    for (;;) {
      const task = this.#heap.pop();
      if (task === undefined) return undefined;
      if (this.#members.delete(task)) return task;
    }
  }
}
