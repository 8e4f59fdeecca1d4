/**
 * A min-heap of tasks by their submission number (`seq`), for the ready queue's lanes (a lane may hold
 * a million tasks). The numbers sit in their own array next to the tasks: a comparison reads two
 * numbers side by side instead of two task records scattered over the heap, so a push or pop of a
 * million-task lane touches a few cache lines per level instead of two records. Sifts move a hole
 * instead of swapping pairs.
 */
import type { TaskRecord } from './types.js';

export class SeqHeap {
  #seqs: number[] = [];
  #tasks: TaskRecord[] = [];

  get size(): number {
    return this.#tasks.length;
  }

  push(task: TaskRecord): void {
    const seqs = this.#seqs;
    const tasks = this.#tasks;
    const seq = task.seq;
    let i = tasks.length;
    seqs.push(seq);
    tasks.push(task);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (seqs[parent]! <= seq) break;
      seqs[i] = seqs[parent]!;
      tasks[i] = tasks[parent]!;
      i = parent;
    }
    seqs[i] = seq;
    tasks[i] = task;
  }

  /** The task of the lowest number, taken out; undefined when empty. */
  pop(): TaskRecord | undefined {
    const tasks = this.#tasks;
    if (tasks.length === 0) return undefined;
    const top = tasks[0]!;
    const lastTask = tasks.pop()!;
    const lastSeq = this.#seqs.pop()!;
    if (tasks.length > 0) this.#siftDown(0, lastSeq, lastTask);
    return top;
  }

  /** Keeps only the tasks `keep` accepts, in one linear pass (Floyd's heap construction). */
  retain(keep: (task: TaskRecord) => boolean): void {
    const tasks: TaskRecord[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.#tasks.length; i++) {
      const task = this.#tasks[i]!;
      if (!keep(task)) continue;
      tasks.push(task);
      seqs.push(this.#seqs[i]!);
    }
    this.#tasks = tasks;
    this.#seqs = seqs;
    for (let i = (tasks.length >> 1) - 1; i >= 0; i--) this.#siftDown(i, seqs[i]!, tasks[i]!);
  }

  /** Puts `task` (number `seq`) at the hole `start` and moves it down to its place. */
  #siftDown(start: number, seq: number, task: TaskRecord): void {
    const seqs = this.#seqs;
    const tasks = this.#tasks;
    const n = tasks.length;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && seqs[r]! < seqs[l]! ? r : l;
      if (seqs[child]! >= seq) break;
      seqs[i] = seqs[child]!;
      tasks[i] = tasks[child]!;
      i = child;
    }
    seqs[i] = seq;
    tasks[i] = task;
  }
}
