/**
 * Dask's restart, retire_workers, replicate, rebalance and fire_and_forget tests (test_client.py,
 * test_worker.py), translated: a fresh cluster per test, real worker processes, and the scheduler's
 * invariants checked after every event.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError, Client, ConfigurationError, FlotillaError, fireAndForget } from '../../src/index.js';
import { waitUntil, withCluster } from '../support/with-cluster.js';

const inc = (x: number) => x + 1;

/** Appends a line to `file` each time it runs, so a test can count runs. */
const counted = async (file: string, x: number) => {
  const { appendFileSync } = await import('node:fs');
  appendFileSync(file, 'ran\n');
  return x * 10;
};

function runs(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

describe('client.restart', () => {
  it('cancels every future, finished ones too, forgets every task and gives tasks fresh threads', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      const x = client.submit(inc, 1);
      const y = client.submit(inc, x);
      const z = client.submit(() => {
        throw new Error('boom');
      });
      expect(await y).toBe(3);
      await z.exception();
      const stuck = client.submit(() => new Promise(() => {}));
      await client.run(() => {
        (globalThis as { marker?: number }).marker = 42;
      });
      const restarted = await client.restart();
      expect(restarted.sort()).toEqual(['local-0', 'local-1']);
      for (const future of [x, y, z, stuck]) expect(future.status).toBe('cancelled');
      await expect(y.result()).rejects.toBeInstanceOf(CancelledError);
      await expect(stuck.result()).rejects.toBeInstanceOf(CancelledError);
      expect((await client.schedulerInfo()).tasks).toEqual({});
      // Fresh task threads: the global set before the restart is gone; the same pure task computes again.
      expect(Object.values(await client.run(() => (globalThis as { marker?: number }).marker ?? 'none'))).toEqual(['none', 'none']);
      expect(await client.submit(inc, 1)).toBe(2);
    });
  });

  it('cancels the futures of other clients too', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, cluster }) => {
      const other = await Client.connect(cluster);
      try {
        const theirs = other.submit(() => new Promise(() => {}));
        await waitUntil(() => cluster.scheduler.view.countsByState().processing === 1, 'the task runs');
        await client.restart();
        await expect(theirs.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(CancelledError);
      } finally {
        await other.close();
      }
    });
  });

  it('refuses a bad time limit', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      await expect(client.restart({ timeoutMs: -1 })).rejects.toBeInstanceOf(ConfigurationError);
    });
  });
});

describe('client.retireWorkers', () => {
  it('hands results to the workers that stay, recomputes nothing, and the worker is not replaced', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client, cluster }) => {
      const file = join(mkdtempSync('/tmp/flotilla-retire-'), 'runs');
      const x = client.with({ workers: ['local-0'] }).submit(counted, file, 4);
      expect(await x).toBe(40);
      expect(Object.values(await client.whoHas([x]))[0]).toHaveLength(1);
      expect(await client.retireWorkers(['local-0'])).toEqual(['local-0']);
      const stays = (await client.schedulerInfo()).workers;
      expect(stays.map((w) => w.id)).toEqual(['local-1']);
      expect((await client.whoHas([x]))[x.key]).toEqual([stays[0]!.address]);
      expect(await client.submit(inc, x)).toBe(41);
      expect(runs(file)).toBe(1);
      await waitUntil(() => cluster.workerNames.length === 1, 'the cluster let the retired worker go');
      expect(cluster.workerNames).toEqual(['local-1']);
    });
  });

  it('with closeWorkers: false keeps the worker connected but gives it no new task', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      await client.retireWorkers(['local-0'], { closeWorkers: false });
      const info = await client.schedulerInfo();
      expect(info.workers.map((w) => w.id).sort()).toEqual(['local-0', 'local-1']);
      const pidOf = Object.fromEntries(info.workers.map((w) => [w.id, w.pid]));
      const pids = await client.gather(client.map((i: number) => i * 0 + process.pid, [1, 2, 3, 4, 5, 6]));
      expect(new Set(pids)).toEqual(new Set([pidOf['local-1']]));
    });
  });

  it('names what is wrong with the workers asked for', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      await expect(client.retireWorkers([])).rejects.toBeInstanceOf(ConfigurationError);
      await expect(client.retireWorkers(['local-9'])).rejects.toThrow(/no running worker is named "local-9"; running workers: local-0/);
      await expect(client.retireWorkers(['local-9'])).rejects.toBeInstanceOf(FlotillaError);
    });
  });
});

describe('client.replicate and client.rebalance', () => {
  it('replicate copies a result onto every worker, and n drops copies beyond n', async () => {
    await withCluster({ nWorkers: 3 }, async ({ client }) => {
      const [x] = await client.scatter([new Float64Array(1000).fill(1)], { workers: ['local-0'] });
      const y = client.submit(inc, 1);
      await y;
      await client.replicate([x!, y]);
      expect((await client.whoHas([x!]))[x!.key]).toHaveLength(3);
      expect((await client.whoHas([y]))[y.key]).toHaveLength(3);
      await client.replicate([x!], { n: 1 });
      expect((await client.whoHas([x!]))[x!.key]).toHaveLength(1);
      await client.replicate([x!], { n: 2, workers: ['local-1', 'local-2'] });
      const addressOf = Object.fromEntries((await client.schedulerInfo()).workers.map((w) => [w.id, w.address]));
      expect((await client.whoHas([x!]))[x!.key]).toEqual(expect.arrayContaining([addressOf['local-1'], addressOf['local-2']]));
      const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
      expect(await client.submit(sum, x!)).toBe(1000);
      await expect(client.replicate([x!], { n: 0 })).rejects.toBeInstanceOf(ConfigurationError);
    });
  });

  it('rebalance moves results from a full worker to an empty one', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      const futures = await client.scatter([1, 2, 3, 4].map((i) => new Float64Array(1000).fill(i)), { workers: ['local-0'] });
      const before = await client.whoHas(futures);
      expect(new Set(Object.values(before).flat()).size).toBe(1);
      const moved = await client.rebalance();
      expect(moved).toHaveLength(2);
      const after = await client.whoHas(futures);
      const perWorker = new Map<string, number>();
      for (const holders of Object.values(after)) {
        expect(holders).toHaveLength(1);
        perWorker.set(holders[0]!, (perWorker.get(holders[0]!) ?? 0) + 1);
      }
      expect([...perWorker.values()]).toEqual([2, 2]);
      expect(await client.gather(client.map((a: Float64Array) => a[0], futures))).toEqual([1, 2, 3, 4]);
    });
  });
});

describe('fireAndForget', () => {
  it('runs the task to completion after its client drops it and disconnects, then frees it', async () => {
    await withCluster({ nWorkers: 1 }, async ({ cluster }) => {
      const dir = mkdtempSync('/tmp/flotilla-fire-');
      const gate = join(dir, 'gate');
      const out = join(dir, 'out');
      const other = await Client.connect(cluster);
      const slow = other.submit(async (gateFile: string) => {
        const { existsSync: exists } = await import('node:fs');
        for (let i = 0; i < 1000 && !exists(gateFile); i++) await new Promise((r) => setTimeout(r, 10));
        return 5;
      }, gate);
      const write = other.submit(async (file: string, value: number) => {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(file, String(value));
      }, out, slow);
      fireAndForget(write);
      const dropped = other.submit((file: string) => file, join(dir, 'dropped'));
      void dropped;
      await other.close();
      const { writeFileSync } = await import('node:fs');
      writeFileSync(gate, '');
      await waitUntil(() => existsSync(out), 'the forgotten task wrote its file');
      expect(readFileSync(out, 'utf8')).toBe('5');
      await waitUntil(() => cluster.scheduler.view.tasks.size === 0, 'the scheduler let the results go');
    });
  });

  it('refuses what is not a future', () => {
    expect(() => fireAndForget([42 as never])).toThrow(FlotillaError);
  });
});
