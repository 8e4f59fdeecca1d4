/**
 * Dask's test_locks.py, test_events.py, test_queues.py, test_variable.py and test_publish.py,
 * translated: a fresh cluster per test, primitives used from the client and from inside tasks (whose
 * blocking calls give up their thread, so a cluster of one thread does not deadlock).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, ConfigurationError, Event, FlotillaError, Lock, Queue, TimeoutError, Variable } from '../../src/index.js';
import { withCluster } from '../support/with-cluster.js';

/** Tasks import the package by name; the test runner would rewrite a literal specifier. */
const PACKAGE = 'flotilla';
type Flotilla = typeof import('../../src/index.js');

describe('Lock', () => {
  it('one holder at a time; only the holder releases; a timeout gives false', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const a = new Lock('x', { client });
      const b = new Lock('x', { client });
      expect(await a.acquire()).toBe(true);
      expect(await a.locked()).toBe(true);
      expect(await b.acquire({ timeoutMs: 50 })).toBe(false);
      await expect(b.release()).rejects.toThrow(/not held by this Lock object/);
      const waiting = b.acquire();
      await a.release();
      expect(await waiting).toBe(true);
      await b.release();
      expect(await a.locked()).toBe(false);
      await expect(a.release()).rejects.toBeInstanceOf(FlotillaError);
    });
  });

  it('serialises tasks on several workers that update one file', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 2 }, async ({ client }) => {
      const file = join(mkdtempSync('/tmp/flotilla-lock-'), 'count');
      writeFileSync(file, '0');
      const bump = async (pkg: string, path: string, i: number) => {
        const { Lock: NamedLock } = (await import(pkg)) as Flotilla;
        const fs = await import('node:fs');
        await new NamedLock('counter').withLock(async () => {
          const n = Number(fs.readFileSync(path, 'utf8'));
          await new Promise((r) => setTimeout(r, 10));
          fs.writeFileSync(path, String(n + 1));
        });
        return i;
      };
      await client.gather(client.map(bump, Array(8).fill(PACKAGE), Array(8).fill(file), [0, 1, 2, 3, 4, 5, 6, 7]));
      expect(readFileSync(file, 'utf8')).toBe('8');
    });
  });

  it('is released when its client disconnects', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, cluster }) => {
      const other = await Client.connect(cluster);
      expect(await new Lock('held', { client: other }).acquire()).toBe(true);
      const mine = new Lock('held', { client });
      const waiting = mine.acquire({ timeoutMs: 10_000 });
      await other.close();
      expect(await waiting).toBe(true);
    });
  });
});

describe('Event', () => {
  it('tasks waiting on one thread all wake when the client sets it', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const event = new Event('go', { client });
      expect(await event.isSet()).toBe(false);
      const waitFor = async (pkg: string, i: number) => {
        const { Event: NamedEvent } = (await import(pkg)) as Flotilla;
        return (await new NamedEvent('go').wait({ timeoutMs: 20_000 })) ? i : -1;
      };
      const waiters = client.map(waitFor, [PACKAGE, PACKAGE, PACKAGE], [1, 2, 3]);
      expect(await event.wait({ timeoutMs: 50 })).toBe(false);
      await event.set();
      expect(await client.gather(waiters)).toEqual([1, 2, 3]);
      expect(await event.isSet()).toBe(true);
      await event.clear();
      expect(await event.wait({ timeoutMs: 20 })).toBe(false);
    });
  });
});

describe('Queue', () => {
  it('first in, first out, between the client and tasks, with futures kept computed inside', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      const queue = new Queue<number>('work', { client });
      await queue.put(1);
      await queue.put(2);
      expect(await queue.qsize()).toBe(2);
      const taker = async (pkg: string) => {
        const { Queue: NamedQueue } = (await import(pkg)) as Flotilla;
        const q = new NamedQueue<number>('work');
        return [await q.get(), await q.get()];
      };
      expect(await client.submit(taker, PACKAGE)).toEqual([1, 2]);
      await expect(queue.get({ timeoutMs: 30 })).rejects.toBeInstanceOf(TimeoutError);

      const futures = new Queue<unknown>('futures', { client });
      const x = client.submit((n: number) => n + 1, 41);
      await futures.put(x);
      x.release();
      // A lone future read back is awaited into its result (a promise unwraps a thenable); wrap it to keep the future.
      expect(await futures.get()).toBe(42);
      await futures.put([client.submit((n: number) => n - 1, 43)]);
      const [kept] = (await futures.get()) as [{ key: string; result(): Promise<number> }];
      expect(await kept.result()).toBe(42);
    });
  });

  it('a full queue makes put wait, and a timeout fails it', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const queue = new Queue<string>('bounded', { client, maxsize: 1 });
      await queue.put('a');
      await expect(queue.put('b', { timeoutMs: 30 })).rejects.toBeInstanceOf(TimeoutError);
      const blocked = queue.put('c');
      expect(await queue.get()).toBe('a');
      await blocked;
      expect(await queue.get()).toBe('c');
      expect(await queue.qsize()).toBe(0);
    });
  });
});

describe('Variable', () => {
  it('get waits until a task sets it; a future in it stays computed after its client lets go', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client, cluster }) => {
      const variable = new Variable<number>('answer', { client });
      await expect(variable.get({ timeoutMs: 30 })).rejects.toBeInstanceOf(TimeoutError);
      const waiting = variable.get();
      await client.submit(async (pkg: string) => {
        const { Variable: NamedVariable } = (await import(pkg)) as Flotilla;
        await new NamedVariable<number>('answer').set(42);
      }, PACKAGE);
      expect(await waiting).toBe(42);

      const other = await Client.connect(cluster);
      const x = other.submit((n: number) => n * 2, 21);
      await new Variable('result', { client: other }).set(x);
      await other.close();
      expect(await new Variable('result', { client }).get()).toBe(42);
      await variable.delete();
      await expect(variable.get({ timeoutMs: 20 })).rejects.toBeInstanceOf(TimeoutError);
    });
  });

  it('refuses a missing name and a negative time limit', async () => {
    expect(() => new Variable('')).toThrow(ConfigurationError);
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      await expect(new Variable('v', { client }).get({ timeoutMs: -1 })).rejects.toBeInstanceOf(ConfigurationError);
    });
  });
});

describe('datasets', () => {
  it('publish, list, get from another client, refuse a second publish, unpublish', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client, cluster }) => {
      const parts = client.map((i: number) => i * i, [1, 2, 3]);
      await client.publishDataset('squares', { parts, note: 'three squares' });
      await expect(client.publishDataset('squares', [])).rejects.toThrow(/already published; unpublish it first, or publish with \{ override: true \}/);
      const other = await Client.connect(cluster);
      try {
        for (const part of parts) part.release();
        expect(await other.listDatasets()).toEqual(['squares']);
        const got = await other.getDataset<{ parts: unknown[]; note: string }>('squares');
        expect(got.note).toBe('three squares');
        expect(await other.gather(got.parts)).toEqual([1, 4, 9]);
        expect(await other.unpublishDataset('squares')).toBe(true);
        expect(await other.listDatasets()).toEqual([]);
        await expect(other.getDataset('squares')).rejects.toThrow(/no dataset named "squares" is published \(published: none\)/);
      } finally {
        await other.close();
      }
    });
  });
});
