/** Tasks ready to run, highest priority first, then first submitted first. A binary heap. */
import type { TaskRecord } from './types.js';

function before(a: TaskRecord, b: TaskRecord): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}

export class ReadyQueue {
  #heap: TaskRecord[] = [];
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
    const heap = this.#heap;
    heap.push(task);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Removal is lazy: the task is skipped when it reaches the top. */
  delete(task: TaskRecord): void {
    this.#members.delete(task);
  }

  pop(): TaskRecord | undefined {
    for (;;) {
      const task = this.#popRaw();
      if (task === undefined) return undefined;
      if (this.#members.delete(task)) return task;
    }
  }

  #popRaw(): TaskRecord | undefined {
    const heap = this.#heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < heap.length && before(heap[l]!, heap[best]!)) best = l;
        if (r < heap.length && before(heap[r]!, heap[best]!)) best = r;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best]!, heap[i]!];
        i = best;
      }
    }
    return top;
  }
}
