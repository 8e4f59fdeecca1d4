import { describe, expect, expectTypeOf, it } from 'vitest';
import { ActorLostError, FlotillaError, Future } from '../../src/index.js';
import { readdirSync } from 'node:fs';
import { waitUntil, withCluster } from '../support/with-cluster.js';

/** OS threads of a process (a worker thread adds some; ending it takes them away). */
function osThreads(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).length;
}

class Counter {
  n: number;
  constructor(start: number) {
    this.n = start;
  }
  increment(by = 1): number {
    this.n += by;
    return this.n;
  }
  async slowIncrement(by: number): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    this.n += by;
    return this.n;
  }
  thread(): number {
    return process.pid * 1000 + ((globalThis as { __threadMark?: number }).__threadMark ??= Math.random());
  }
}

describe('actors', () => {
  it('submitActor: calls run in call order on one instance, return futures, read attributes, and release', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1 }, async ({ client }) => {
      const counter = client.submitActor(Counter, [10]);
      expectTypeOf(counter.increment).returns.toEqualTypeOf<Future<number>>();
      expectTypeOf(counter.n).toEqualTypeOf<Future<number>>();
      const calls = [counter.increment(), counter.increment(2), counter.slowIncrement(3), counter.increment(4)];
      expect(await client.gather(calls)).toEqual([11, 13, 16, 20]);
      expect(await counter.n).toBe(20);
      // One instance on one thread: every call sees the same thread.
      const marks = await client.gather([counter.thread(), counter.thread(), counter.thread()]);
      expect(new Set(marks).size).toBe(1);
      // A call's future is an input to an ordinary task.
      const doubled = client.submit((x: number) => x * 2, counter.increment(5));
      expect(await doubled).toBe(50);
      counter.release();
      expect(() => counter.increment()).toThrow(FlotillaError);
    });
  }, 60_000);

  it('a released or collected handle frees the actor: its key leaves the scheduler and its thread ends', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client, cluster, waitForState }) => {
      const [worker] = (await client.schedulerInfo()).workers;
      const before = osThreads(worker!.pid);
      const counter = client.submitActor(Counter, [0]);
      const first = counter.increment();
      await first;
      const during = osThreads(worker!.pid);
      expect(during).toBeGreaterThan(before);
      const key = counter.actorKey;
      counter.release();
      // Its thread ends at once; its record goes once the results of its calls are released too.
      await waitUntil(() => osThreads(worker!.pid) < during, 'the actor thread ended');
      expect(await first).toBe(1);
      first.release();
      await waitForState(key, 'forgotten');

      // Dropped without release(): the garbage collector lets go of it.
      let keyOfDropped = '';
      await (async () => {
        const dropped = client.submitActor(Counter, [0]);
        keyOfDropped = dropped.actorKey;
        await dropped.increment();
      })();
      await waitUntil(() => {
        gc();
        return !cluster.scheduler.state.tasks.has(keyOfDropped);
      }, 'the collected actor is forgotten');
    });
  }, 60_000);
});
