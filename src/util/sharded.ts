/**
 * A Map and a Set cut into shards, for the scheduler's collections that reach a million entries (every
 * task by key, a client's wants, a root's dependents, a worker's results). A native Map or Set grows by
 * rehashing all of its entries at once: at half a million entries one insert or delete past the bound
 * took 100–200 ms on a loaded machine, a stall that no slicing of the work around it can avoid. Here
 * each shard holds about 1/128 of the entries, so a rehash touches only that much.
 *
 * Both are a real Map / Set to their users (they subclass them; the inherited storage stays empty).
 * Iteration goes shard by shard, so it is in insertion order within a shard only. An entry added while
 * an iteration is under way is visited when it lands in a shard not visited yet; deleting is safe.
 */

const SHARDS = 128;
const MASK = SHARDS - 1;

/** A cheap shard number for a string key: its last two characters (keys end in a hash or a counter). */
export function shardOfString(key: string): number {
  const n = key.length;
  return (key.charCodeAt(n - 1) * 31 + (n > 1 ? key.charCodeAt(n - 2) : 0)) & MASK;
}

export class ShardedMap<K, V> extends Map<K, V> {
  readonly #shards: Map<K, V>[] = Array.from({ length: SHARDS }, () => new Map<K, V>());
  readonly #shardOf: (key: K) => number;
  #size = 0;

  constructor(shardOf: (key: K) => number) {
    super();
    this.#shardOf = shardOf;
  }

  override get size(): number {
    return this.#size;
  }

  override get(key: K): V | undefined {
    return this.#shards[this.#shardOf(key) & MASK]!.get(key);
  }

  override has(key: K): boolean {
    return this.#shards[this.#shardOf(key) & MASK]!.has(key);
  }

  override set(key: K, value: V): this {
    const shard = this.#shards[this.#shardOf(key) & MASK]!;
    const before = shard.size;
    shard.set(key, value);
    this.#size += shard.size - before;
    return this;
  }

  override delete(key: K): boolean {
    const deleted = this.#shards[this.#shardOf(key) & MASK]!.delete(key);
    if (deleted) this.#size--;
    return deleted;
  }

  override clear(): void {
    for (const shard of this.#shards) shard.clear();
    this.#size = 0;
  }

  override *entries(): MapIterator<[K, V]> {
    for (const shard of this.#shards) yield* shard.entries();
  }

  override *keys(): MapIterator<K> {
    for (const shard of this.#shards) yield* shard.keys();
  }

  override *values(): MapIterator<V> {
    for (const shard of this.#shards) yield* shard.values();
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override forEach(each: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) each.call(thisArg, value, key, this);
  }
}

export class ShardedSet<T> extends Set<T> {
  readonly #shards: Set<T>[] = Array.from({ length: SHARDS }, () => new Set<T>());
  readonly #shardOf: (item: T) => number;
  #size = 0;

  constructor(shardOf: (item: T) => number, items?: Iterable<T>) {
    super();
    this.#shardOf = shardOf;
    if (items) for (const item of items) this.add(item);
  }

  override get size(): number {
    return this.#size;
  }

  override has(item: T): boolean {
    return this.#shards[this.#shardOf(item) & MASK]!.has(item);
  }

  override add(item: T): this {
    const shard = this.#shards[this.#shardOf(item) & MASK]!;
    const before = shard.size;
    shard.add(item);
    this.#size += shard.size - before;
    return this;
  }

  override delete(item: T): boolean {
    const deleted = this.#shards[this.#shardOf(item) & MASK]!.delete(item);
    if (deleted) this.#size--;
    return deleted;
  }

  override clear(): void {
    for (const shard of this.#shards) shard.clear();
    this.#size = 0;
  }

  override *values(): SetIterator<T> {
    for (const shard of this.#shards) yield* shard.values();
  }

  override keys(): SetIterator<T> {
    return this.values();
  }

  override *entries(): SetIterator<[T, T]> {
    for (const item of this.values()) yield [item, item];
  }

  override [Symbol.iterator](): SetIterator<T> {
    return this.values();
  }

  override forEach(each: (value: T, key: T, set: Set<T>) => void, thisArg?: unknown): void {
    for (const item of this.values()) each.call(thisArg, item, item, this);
  }
}
