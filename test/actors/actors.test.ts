import { describe, expect, expectTypeOf, it } from 'vitest';
import { ActorLostError, CancelledError, FlotillaError, Future } from '../../src/index.js';
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

/** An actor with a call that ends its own thread. */
class Fragile {
  n = 0;
  add(): number {
    return ++this.n;
  }
  crash(): void {
    process.exit(1); // in a worker thread this ends the thread only
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
      // A call whose argument is not ready yet holds back the calls made after it.
      const later = client.submit(async (x: number) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return x;
      }, 100);
      expect(await client.gather([counter.increment(later), counter.increment(1)])).toEqual([125, 126]);
      counter.release();
      expect(() => counter.increment()).toThrow(FlotillaError);
    });
  }, 60_000);

  it('a released or collected handle frees the actor: its key leaves the scheduler and its thread ends', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client, waitForState }) => {
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
      const collecting = setInterval(gc, 20);
      try {
        await waitForState(keyOfDropped, 'forgotten');
      } finally {
        clearInterval(collecting);
      }
    });
  }, 60_000);
});

class Holder {
  count = 0;
  bump(): number {
    return ++this.count;
  }
  /** Never returns: a call that is running when its worker dies. */
  async hang(): Promise<void> {
    await new Promise(() => {});
  }
}

/** Counts how many of its async calls run at once. */
class Overlap {
  active = 0;
  most = 0;
  async step(): Promise<void> {
    this.active++;
    this.most = Math.max(this.most, this.active);
    await new Promise((resolve) => setImmediate(resolve));
    this.active--;
  }
  /** A sync call: with maxConcurrency 1 it waits for the async call before it to finish. */
  read(): number {
    this.most = Math.max(this.most, this.active + 1);
    return this.active;
  }
}

class Gate {
  arrived = 0;
  active = 0;
  mostActive = 0;
  /** Resolves once `n` calls of it are in at once: only possible when they run concurrently. */
  async meet(n: number): Promise<number> {
    this.arrived++;
    this.active++;
    this.mostActive = Math.max(this.mostActive, this.active);
    for (let turns = 0; this.arrived < n && turns < 100_000; turns++) await new Promise((resolve) => setImmediate(resolve));
    this.active--;
    return this.arrived;
  }
  /** Ends the actor's thread (process.exit in a worker thread ends that thread only). */
  crash(): void {
    process.exit(3);
  }
}

describe('actor options', () => {
  it('maxConcurrency lets async calls overlap up to the limit; without it they run one at a time; workers places the actor', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1 }, async ({ client }) => {
      const target = (await client.schedulerInfo()).workers[1]!;
      const concurrent = client.submitActor(Gate, [], { maxConcurrency: 3, workers: [target.name] });
      expect(await client.gather([concurrent.meet(3), concurrent.meet(3), concurrent.meet(3)])).toEqual([3, 3, 3]);
      expect(await concurrent.mostActive).toBe(3);
      const holders = await client.whoHas([concurrent.constructed]);
      expect(holders[concurrent.actorKey]).toEqual([target.address]);

      const serial = client.submitActor(Gate);
      // Each call alone: the first returns when 1 has arrived, the next sees 2 …
      expect(await client.gather([serial.meet(1), serial.meet(2), serial.meet(3)])).toEqual([1, 2, 3]);
      expect(await serial.mostActive).toBe(1);
    });
  }, 60_000);

  it('a crash of the actor thread on a live worker fails the call with ActorLostError, and the actor is lost', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const gate = client.submitActor(Gate);
      await gate.constructed;
      await expect(gate.crash()).rejects.toBeInstanceOf(ActorLostError);
      await expect(gate.meet(1)).rejects.toThrow(/is lost: its thread on worker .* ended/);
      // The worker itself lives on.
      expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
    });
  }, 60_000);

  it('client.restart() cancels actors: a later call throws CancelledError naming the fix', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const gate = client.submitActor(Gate);
      expect(await gate.meet(1)).toBe(1);
      await client.restart();
      expect(gate.constructed.status).toBe('cancelled');
      expect(() => gate.meet(1)).toThrow(CancelledError);
      expect(() => gate.meet(1)).toThrow(/create a new actor/);
      expect(await client.submitActor(Gate).meet(1)).toBe(1);
    });
  }, 60_000);

  it('refuses bad input with errors that say what to do', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      expect(() => client.submitActor((() => 1) as unknown as typeof Gate)).toThrow(/expects a class/);
      expect(() => client.submitActor(Gate, [], { maxConcurency: 2 } as never)).toThrow(/unknown option "maxConcurency"/);
      expect(() => client.submitActor(Gate, [], { maxRestarts: -1 })).toThrow(/maxRestarts must be a whole number/);
      expect(() => client.submitActor(Gate, 5 as never)).toThrow(/constructor's arguments as an array/);
      class Releasing {
        release(): void {}
      }
      expect(() => client.submitActor(Releasing)).toThrow(/member named `release`/);
      const gate = client.submitActor(Gate);
      expect(() => {
        (gate as unknown as Record<string, number>).arrived = 1;
      }).toThrow(/add a method that sets it/);
      // A handle does not travel into a task; the futures of its calls do (the fix the error names).
      expect(() => client.submit((g: unknown) => typeof g, gate)).toThrow(/cannot be passed into a task .*pass the futures its calls return/);
      expect(() => client.submit((g: unknown) => g, [{ gate }])).toThrow(FlotillaError);
      expect(await client.submit((n: number) => n + 1, gate.meet(1))).toBe(2);
      // A name the class does not have reads as a missing attribute would in JavaScript.
      expect(await (gate as unknown as Record<string, Future<unknown>>).nothing).toBeUndefined();
    });
  }, 60_000);
});

describe('actors when their worker dies', () => {
  /** The pid of the worker holding the actor. */
  async function pidOf(client: import('../../src/index.js').Client, handle: { constructed: Future<null> }): Promise<number> {
    const holders = await client.whoHas([handle.constructed]);
    const address = holders[handle.constructed.key]![0];
    const worker = (await client.schedulerInfo()).workers.find((w) => w.address === address);
    return worker!.pid;
  }

  it('fails running and later calls with ActorLostError when maxRestarts is 0; with maxRestarts the constructor runs again elsewhere and state starts anew', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1, deadlineMs: 90_000 }, async ({ client, waitForState, waitForWorkerState }) => {
      const lone = client.submitActor(Holder);
      const restartable = client.submitActor(Holder, [], { maxRestarts: 1 });
      expect(await client.gather([lone.bump(), lone.bump(), restartable.bump(), restartable.bump()])).toEqual([1, 2, 1, 2]);
      const lonePid = await pidOf(client, lone);
      const restartablePid = await pidOf(client, restartable);
      // The two actors go to different workers (the fewest actors first).
      expect(lonePid).not.toBe(restartablePid);

      const running = lone.hang();
      await waitForState(running, 'processing');
      const workerName = (await client.schedulerInfo()).workers.find((w) => w.pid === lonePid)!.name;
      process.kill(lonePid, 'SIGKILL');
      await waitForWorkerState(workerName, 'removed');
      await expect(running).rejects.toBeInstanceOf(ActorLostError);
      await expect(lone.bump()).rejects.toBeInstanceOf(ActorLostError);
      await expect(lone.constructed).rejects.toThrow(/actor Holder-[\w-]+ is lost: its worker .* left .*maxRestarts: 0/);

      const interrupted = restartable.hang();
      await waitForState(interrupted, 'processing');
      const otherName = (await client.schedulerInfo()).workers.find((w) => w.pid === restartablePid)!.name;
      process.kill(restartablePid, 'SIGKILL');
      await waitForWorkerState(otherName, 'removed');
      await expect(interrupted).rejects.toBeInstanceOf(ActorLostError);
      // Constructed again on another worker: its count starts from the constructor again.
      expect(await restartable.bump()).toBe(1);
      expect(await pidOf(client, restartable)).not.toBe(restartablePid);
    });
  }, 120_000);

  it('a call that ends its actor\'s thread fails with ActorLostError and runs once: the actor restarted anew is not hit by it again', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1 }, async ({ client }) => {
      // The client sends such a call straight to the worker and tells the scheduler a little later,
      // often after the thread has ended and the actor is being constructed again: that call must not
      // then go through the actor's line a second time. Several rounds, as the order of the two varies.
      for (let round = 0; round < 4; round++) {
        const fragile = client.submitActor(Fragile, [], { maxRestarts: 1 });
        expect(await client.gather([fragile.add(), fragile.add()])).toEqual([1, 2]);
        await expect(fragile.crash()).rejects.toBeInstanceOf(ActorLostError);
        expect(await fragile.add()).toBe(1);
        expect(await fragile.add()).toBe(2);
        fragile.release();
      }
    });
  }, 90_000);

  it('retiring the worker of an actor restarts it elsewhere (maxRestarts) while the results of its calls move', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1 }, async ({ client }) => {
      const actor = client.submitActor(Holder, [], { maxRestarts: 1 });
      const first = actor.bump();
      expect(await client.gather([first, actor.bump()])).toEqual([1, 2]);
      const pid = await pidOf(client, actor);
      const name = (await client.schedulerInfo()).workers.find((w) => w.pid === pid)!.name;
      await client.retireWorkers([name]);
      expect(await actor.bump()).toBe(1);
      expect(await pidOf(client, actor)).not.toBe(pid);
      // A finished call's result was copied before the worker left.
      expect(await client.submit((x: number) => x * 10, first)).toBe(10);
    });
  }, 60_000);
});

describe('actors in the other execution modes', () => {
  it.each(['sync', 'threads'] as const)('%s mode: the same calls give the same results, in call order and one at a time', async (mode) => {
    const client = await (await import('../../src/index.js')).Client.connect({ mode, nWorkers: 1, threadsPerWorker: 1, dashboardAddress: false });
    try {
      const counter = client.submitActor(Counter, [10]);
      expect(await client.gather([counter.increment(), counter.increment(2)])).toEqual([11, 13]);
      expect(await counter.n).toBe(13);
      expect(await client.submit((x: number) => x * 2, counter.increment(1))).toBe(28);
      // A call waiting for an input holds back the calls made after it.
      const later = client.submit(async (x: number) => {
        await new Promise((resolve) => setImmediate(resolve));
        return x;
      }, 5);
      expect(await client.gather([counter.increment(later), counter.increment(1)])).toEqual([19, 20]);
      // One call at a time unless maxConcurrency says otherwise, async methods included.
      const serial = client.submitActor(Overlap);
      await client.gather([serial.step(), serial.read(), serial.step(), serial.step()]);
      expect(await serial.most).toBe(1);
      const two = client.submitActor(Overlap, [], { maxConcurrency: 2 });
      await client.gather([two.step(), two.step(), two.step()]);
      expect(await two.most).toBe(2);
      counter.release();
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('actor resources', () => {
  it('an actor holds its resources on its worker while it lives: tasks needing them go elsewhere or wait', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1, resources: { GPU: 1 } }, async ({ client, waitForState }) => {
      const pidOfWorker = async (address: string) => (await client.schedulerInfo()).workers.find((w) => w.address === address)!.pid;
      const first = client.submitActor(Counter, [0], { resources: { GPU: 1 } });
      await first.constructed;
      const firstPid = await pidOfWorker((await client.whoHas([first.constructed]))[first.actorKey]![0]!);
      const gpu = client.with({ resources: { GPU: 1 } });
      const pids = await client.gather([1, 2, 3, 4].map((i) => gpu.submit((n: number) => process.pid + n * 0, i)));
      // Every GPU task went to the other worker: this one's GPU is the actor's.
      expect(pids.every((pid) => pid !== firstPid)).toBe(true);

      const second = client.submitActor(Counter, [0], { resources: { GPU: 1 } });
      await second.constructed;
      const secondPid = await pidOfWorker((await client.whoHas([second.constructed]))[second.actorKey]![0]!);
      expect(secondPid).not.toBe(firstPid);
      // Both GPUs held: a GPU task waits until an actor lets go of one, then runs where it was freed.
      const waiting = gpu.submit((n: number) => process.pid + n * 0, 5);
      await waitForState(waiting, 'queued');
      expect(waiting.status).toBe('pending');
      first.release();
      expect(await waiting).toBe(firstPid);
      second.release();
    });
  }, 60_000);
});
