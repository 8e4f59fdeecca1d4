/**
 * Dask's Client semantics, one case per behaviour, translated from Dask's own tests (test_client.py,
 * test_as_completed.py): keys of `map`, `cancel` across clients and of finished futures, `asCompleted`
 * with cancelled and failed futures, refused options, `run` on no worker, and reads after `close`.
 * Each test gets a fresh cluster and ends with the scheduler's state checked (withCluster).
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, Client, ConfigurationError, FlotillaError, Future, TaskError, asCompleted } from '../../src/index.js';
import { tempFlag } from '../support/temp-flag.js';
import { waitUntil, withCluster } from '../support/with-cluster.js';

const inc = (x: number) => x + 1;

/** Waits (in a task) until the file `path` exists: a task that holds a thread until the test lets it go. */
const waitForFile = async (path: string, value: number) => {
  const fs = await import('node:fs');
  for (let i = 0; i < 3000 && !fs.existsSync(path); i++) await new Promise((r) => setTimeout(r, 10));
  return value;
};


describe("Dask's Client semantics", () => {
  it('map with a key prefix names each task by the prefix and a hash of its arguments (test_map_keynames)', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const first = client.with({ key: 'add' }).map(inc, [0, 1, 2, 3]);
      expect(await client.gather(first)).toEqual([1, 2, 3, 4]);
      const second = client.with({ key: 'add' }).map(inc, [5, 6, 7, 8]);
      expect(await client.gather(second)).toEqual([6, 7, 8, 9]);
      for (const future of [...first, ...second]) expect(future.key).toMatch(/^add-[0-9a-f]{32}$/);
      expect(new Set([...first, ...second].map((f) => f.key)).size).toBe(8);
      // Equal calls under one prefix still share a key, as pure calls do.
      expect(client.with({ key: 'add' }).map(inc, [0])[0]!.key).toBe(first[0]!.key);
      // Impure calls get a fresh key each time, under the prefix.
      const impure = client.with({ key: 'add', pure: false }).map(inc, [0, 0]);
      expect(impure[0]!.key).not.toBe(impure[1]!.key);
      expect(impure[0]!.key.startsWith('add-')).toBe(true);
      expect(await client.gather(impure)).toEqual([1, 1]);
    });
  });

  it('cancel drops only the calling client\'s claim; the task goes on for the other client (test_cancel_multi_client)', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, cluster }) => {
      const other = await Client.connect(cluster);
      try {
        const gate = tempFlag();
        const x = client.submit(waitForFile, gate.path, 1);
        const y = other.submit(waitForFile, gate.path, 1);
        expect(x.key).toBe(y.key);
        const scheduler = cluster.scheduler.view;
        await waitUntil(() => scheduler.tasks.get(x.key)?.wantedBy.size === 2, 'both clients hold the key');
        await client.cancel([x]);
        expect(x.status).toBe('cancelled');
        await expect(x).rejects.toBeInstanceOf(CancelledError);
        await waitUntil(() => scheduler.tasks.get(x.key)?.wantedBy.size === 1, 'the scheduler dropped the first client\'s claim');
        expect(scheduler.tasks.get(x.key)!.state).toBe('processing');
        gate.set();
        expect(await y).toBe(1);
        expect(y.status).toBe('finished');
        // The other client's finished future still feeds its dependents.
        expect(await other.submit(inc, y)).toBe(2);
        // A cancel of a finished key the other client holds keeps its data for that client.
        const z = client.submit(inc, 10);
        const w = other.submit(inc, 10);
        expect(await z).toBe(11);
        await w;
        await client.cancel(z);
        expect(await other.submit(inc, w)).toBe(12);
        // force: true cancels for every client.
        await client.cancel(client.submit(inc, 10), { force: true });
        await waitUntil(() => w.status === 'cancelled', 'the forced cancel reached the other client');
        await expect(w).rejects.toBeInstanceOf(CancelledError);
      } finally {
        await other.close();
      }
      cluster.scheduler.view.validate();
    });
  });

  it('cancel of a finished future makes its status, its value and later uses agree (test_cancel)', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, cluster }) => {
      const x = client.submit(inc, 1);
      expect(await x).toBe(2);
      await x.cancel();
      expect(x.status).toBe('cancelled');
      expect(String(x)).toContain('cancelled');
      await expect(x).rejects.toBeInstanceOf(CancelledError);
      expect(() => client.submit(inc, x)).toThrow(CancelledError);
      expect(() => client.submit(inc, x)).toThrow('submit its task again');
      await waitUntil(() => cluster.scheduler.view.tasks.get(x.key)?.state !== 'memory', 'the scheduler dropped the result');
      // The fix the error names works: submitting the task again computes it anew.
      const again = client.submit(inc, 1);
      expect(again.key).toBe(x.key);
      expect(await client.submit(inc, again)).toBe(3);
      expect(x.status).toBe('finished');
    });
  });

  it('asCompleted withResults yields cancelled futures, and with raiseErrors: false yields errors (test_as_completed_with_results)', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 2 }, async ({ client }) => {
      const gate = tempFlag();
      const fail = (message: string) => {
        throw new Error(message);
      };
      const slow = client.submit(waitForFile, gate.path, 5);
      const fast = client.submit(inc, 1);
      const pairs: Array<[Future<unknown>, unknown]> = [];
      const iterator = asCompleted<unknown>([slow, fast], { withResults: true });
      for await (const pair of iterator) {
        pairs.push(pair);
        if (pair[0] === fast) await slow.cancel();
      }
      expect(pairs.map(([f]) => f)).toEqual([fast, slow]);
      expect(pairs[0]![1]).toBe(2);
      expect(pairs[1]![1]).toBeInstanceOf(CancelledError);
      gate.set();

      const bad = client.submit(fail, 'boom');
      await expect(async () => {
        for await (const pair of asCompleted<unknown>([bad], { withResults: true })) void pair;
      }).rejects.toThrow('boom');
      const yielded: unknown[] = [];
      for await (const [, result] of asCompleted<unknown>([bad, client.submit(inc, 2)], { withResults: true, raiseErrors: false })) yielded.push(result);
      expect(yielded).toContain(3);
      const error = yielded.find((r) => r instanceof Error);
      expect(error).toBeInstanceOf(TaskError);
      expect((error as Error).message).toBe('boom');
    });
  });

  it('refuses allowOtherWorkers without workers or not a boolean, and an unknown onError in run', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      expect(() => client.with({ allowOtherWorkers: true }).submit(inc, 1)).toThrow(ConfigurationError);
      expect(() => client.with({ allowOtherWorkers: true }).map(inc, [1])).toThrow('allowOtherWorkers only means something with workers');
      const [worker] = (await client.schedulerInfo()).workers;
      expect(() => client.with({ workers: [worker!.id], allowOtherWorkers: 'yes' as never }).submit(inc, 1)).toThrow('allowOtherWorkers must be true or false, got "yes"');
      // The fixes the errors name work.
      expect(await client.with({ workers: [worker!.id], allowOtherWorkers: true }).submit(inc, 1)).toBe(2);
      expect(await client.with({ workers: ['no-such-worker'], allowOtherWorkers: true }).submit(inc, 2)).toBe(3);

      const failing = () => {
        throw new Error('run failed here');
      };
      await expect(client.with({ onError: 'invalid' as never }).run(failing)).rejects.toThrow("onError must be one of 'raise', 'return', 'ignore', got \"invalid\"");
      await expect(client.with({ onError: 'invalid' as never }).run(failing)).rejects.toBeInstanceOf(ConfigurationError);
      expect(await client.with({ onError: 'ignore' }).run(failing)).toEqual({});
    });
  });

  it('run with an empty list of workers runs on none and returns {}', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      const count = () => {
        const g = globalThis as { runCount?: number };
        g.runCount = (g.runCount ?? 0) + 1;
        return g.runCount;
      };
      expect(await client.with({ workers: [] }).run(count)).toEqual({});
      const all = await client.run(count);
      expect(Object.keys(all)).toHaveLength(2);
      // Had the empty list run anywhere, a counter would be past 1 now.
      expect(Object.values(all)).toEqual([1, 1]);
    });
  });

  it('gather after close of a finished future whose value stayed on the worker fails at once, clearly', async () => {
    await withCluster({ nWorkers: 1 }, async ({ cluster }) => {
      const client = await Client.connect(cluster);
      const big = client.submit((n: number) => 'x'.repeat(n), 256 * 1024);
      const small = client.submit(inc, 1);
      await client.gather([small]);
      await waitUntil(() => big.done(), 'the large result is finished');
      expect(big.status).toBe('finished');
      await client.close();
      const started = Date.now();
      await expect(client.gather([big])).rejects.toThrow('the client was closed');
      await expect(big.result()).rejects.toBeInstanceOf(FlotillaError);
      expect(Date.now() - started).toBeLessThan(2_000);
      // What the client already held is not lost.
      expect(await small).toBe(2);
    });
  });
});
