/** The sharded Map and Set (the scheduler's collections of a million entries) hold what a native one would after the same operations. */
import { describe, expect, it } from 'vitest';
import { ShardedMap, ShardedSet, shardOfString } from '../../src/util/sharded.js';
import { link, newTask, type TaskRecord } from '../../src/scheduler/state/types.js';

/** A fixed pseudo-random sequence, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

describe('ShardedMap', () => {
  it('holds the same entries as a native Map through sets, overwrites and deletes', () => {
    const random = lcg(7);
    const sharded = new ShardedMap<string, number>(shardOfString);
    const native = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const key = `k-${Math.floor(random() * 5_000)}`;
      if (random() < 0.3) expect(sharded.delete(key)).toBe(native.delete(key));
      else {
        sharded.set(key, i);
        native.set(key, i);
      }
    }
    expect(sharded.size).toBe(native.size);
    expect(new Map(sharded)).toEqual(native);
    expect([...sharded.keys()].sort()).toEqual([...native.keys()].sort());
    expect([...sharded.values()].sort()).toEqual([...native.values()].sort());
    for (const key of native.keys()) expect(sharded.get(key)).toBe(native.get(key));
    expect(sharded.has('absent')).toBe(false);
    expect(sharded).toBeInstanceOf(Map);
    sharded.clear();
    expect(sharded.size).toBe(0);
    expect([...sharded]).toEqual([]);
    // Keys of one or no character have a shard too.
    sharded.set('', 1).set('x', 2);
    expect(sharded.get('')).toBe(1);
    expect(sharded.get('x')).toBe(2);
  });
});

describe('ShardedSet', () => {
  it('holds the same items as a native Set, and deleting while iterating visits each remaining item once', () => {
    const items = Array.from({ length: 10_000 }, (_, seq) => ({ seq }));
    const set = new ShardedSet<{ seq: number }>((item) => item.seq, items);
    expect(set.size).toBe(10_000);
    expect(set.add(items[0]!).size).toBe(10_000);
    expect(set).toBeInstanceOf(Set);
    const visited: number[] = [];
    for (const item of set) {
      visited.push(item.seq);
      set.delete(item);
      if (item.seq % 2 === 0) set.delete(items[item.seq + 1]!);
    }
    expect(visited.sort((a, b) => a - b)).toEqual(items.filter((i) => i.seq % 2 === 0).map((i) => i.seq));
    expect(set.size).toBe(0);
    expect(set.has(items[3]!)).toBe(false);
    let count = 0;
    new ShardedSet<{ seq: number }>((i) => i.seq, items.slice(0, 5)).forEach(() => count++);
    expect(count).toBe(5);
  });

  it('takes over a task\'s dependents once they are many, keeping every one', () => {
    const root = newTask('root', undefined, 0);
    const dependents: TaskRecord[] = [];
    for (let i = 1; i <= 20_000; i++) {
      const task = newTask(`d${i}`, undefined, i);
      dependents.push(task);
      link(root, 'dependents', task);
    }
    expect(root.dependents).toBeInstanceOf(ShardedSet);
    expect(root.dependents.size).toBe(20_000);
    expect(dependents.every((d) => root.dependents.has(d))).toBe(true);
  });
});
