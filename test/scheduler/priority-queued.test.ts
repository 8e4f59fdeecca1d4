/**
 * Priority once tasks are queued on a worker (Dask's test_priorities, test_compute_priority): while the
 * only thread is busy, a high-priority task submitted after a low-priority one already sent to the
 * worker still runs first, for single submits and for maps. The gate opens once the scheduler has the
 * high-priority tasks (on the worker, or waiting for room there). Each test gets a fresh cluster and ends with
 * the scheduler's state checked (withCluster).
 */
import { describe, expect, it } from 'vitest';
import type { Client, Future } from '../../src/index.js';
import { tempFlag } from '../support/temp-flag.js';
import { waitUntil, withCluster, type ClusterContext } from '../support/with-cluster.js';

/** Holds the thread until the file `path` exists. */
const holdUntilFile = async (path: string) => {
  const fs = await import('node:fs');
  for (let i = 0; i < 3000 && !fs.existsSync(path); i++) await new Promise((r) => setTimeout(r, 10));
  return 'released';
};
/** When the task ran, on the worker's clock. */
const stamp = (label: string) => ({ label, at: process.hrtime.bigint().toString() });

type Stamp = { label: string; at: string };


/** Runs `body` while one task holds the only thread, then lets it go and returns the labels in run order. */
async function runOrder({ client, cluster }: ClusterContext, body: (client: Client) => Promise<Future<Stamp>[]>): Promise<string[]> {
  const gate = tempFlag();
  const holder = client.submit(holdUntilFile, gate.path);
  const state = cluster.scheduler.view;
  await waitUntil(() => [...state.workers.values()].some((w) => w.executing.has(holder.key)), 'the holder runs on the worker');
  const futures = await body(client);
  gate.set();
  expect(await holder).toBe('released');
  const results = await client.gather(futures);
  return results.sort((x, y) => (BigInt(x.at) < BigInt(y.at) ? -1 : 1)).map((r) => r.label);
}

/** Waits until `futures` are on the scheduler's books, in a state that leads to a worker running them. */
async function onTheBooks({ cluster }: ClusterContext, futures: Future<unknown>[], states: string[]): Promise<void> {
  const tasks = cluster.scheduler.view.tasks;
  await waitUntil(() => futures.every((f) => states.includes(tasks.get(f.key)?.state ?? '')), `the tasks are ${states.join(' or ')}`);
}

describe('priority of tasks already queued on a worker', () => {
  it('a later high-priority submit runs before a low-priority one already on the worker', async () => {
    await withCluster({ nWorkers: 1 }, async (ctx) => {
      const order = await runOrder(ctx, async (client) => {
        const low = client.with({ priority: -1 }).submit(stamp, 'low');
        await onTheBooks(ctx, [low], ['processing']);
        const high = client.with({ priority: 1 }).submit(stamp, 'high');
        await onTheBooks(ctx, [high], ['queued', 'processing']);
        return [low, high];
      });
      expect(order).toEqual(['high', 'low']);
    });
  });

  it('a later high-priority map runs before a low-priority map already on the worker', async () => {
    await withCluster({ nWorkers: 1 }, async (ctx) => {
      // The function has run before, so the worker knows it is short (it would queue it deep on a thread).
      expect((await ctx.client.submit(stamp, 'warm-up')).label).toBe('warm-up');
      const order = await runOrder(ctx, async (client) => {
        const low = client.with({ priority: -1 }).map(stamp, ['low-1', 'low-2', 'low-3']);
        await onTheBooks(ctx, low.slice(0, 1), ['processing']);
        const high = client.with({ priority: 1 }).map(stamp, ['high-1', 'high-2', 'high-3']);
        await onTheBooks(ctx, high, ['queued', 'processing']);
        return [...low, ...high];
      });
      expect(order.slice(0, 3).sort()).toEqual(['high-1', 'high-2', 'high-3']);
      expect(order.slice(3).sort()).toEqual(['low-1', 'low-2', 'low-3']);
    });
  });
});
