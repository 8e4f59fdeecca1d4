/**
 * Dask's Client API that flotilla lacked, one case per behaviour, translated from Dask's own tests
 * (test_client.py: test_retry, test_retry_dependencies, test_map_keynames, test_dashboard_link):
 * `retry` of erred futures, `map` with a list of keys, and `dashboardLink` when connecting by address.
 * Each test gets a fresh cluster and ends with the scheduler's state checked (withCluster).
 */
import { describe, expect, it } from 'vitest';
import { Client, ConfigurationError } from '../../src/index.js';
import { tempFlag } from '../support/temp-flag.js';
import { waitUntil, withCluster } from '../support/with-cluster.js';

const inc = (x: number) => x + 1;

/** Fails until the file `path` exists. */
const failUntilFile = async (path: string) => {
  const fs = await import('node:fs');
  if (!fs.existsSync(path)) throw new Error(`${path} is not there yet`);
  return 1;
};


describe("Dask's Client API: retry, map keys, dashboard link", () => {
  it('retry runs an erred future again, with the erred inputs it failed through (test_retry_dependencies)', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, cluster }) => {
      const flag = tempFlag();
      const x = client.submit(failUntilFile, flag.path);
      const y = client.submit(inc, x);
      await expect(y).rejects.toThrow('is not there yet');
      expect(x.status).toBe('error');
      flag.set();
      await y.retry();
      expect(y.status).toBe('pending');
      expect(await y).toBe(2);
      expect(x.status).toBe('finished');
      expect(await x).toBe(1);
      expect(cluster.scheduler.view.tasks.get(x.key)!.state).toBe('memory');

      // client.retry over a list: erred ones run again, finished ones are left alone.
      const later = tempFlag();
      const z = client.submit(failUntilFile, later.path);
      expect((await z.exception())?.message).toContain('is not there yet');
      later.set();
      await client.retry([z, y]);
      expect(y.status).toBe('finished');
      expect(await client.gather([z, y])).toEqual([1, 2]);
    });
  });

  it('retry works in sync mode too', async () => {
    const client = await Client.connect({ mode: 'sync' });
    const flags = globalThis as { flotillaRetryFlag?: boolean };
    try {
      const failUntilFlag = () => {
        if (!(globalThis as { flotillaRetryFlag?: boolean }).flotillaRetryFlag) throw new Error('the flag is not set yet');
        return 1;
      };
      const x = client.submit(failUntilFlag);
      const y = client.submit(inc, x);
      await expect(y).rejects.toThrow('the flag is not set yet');
      flags.flotillaRetryFlag = true;
      await client.retry([y]);
      expect(await y).toBe(2);
      expect(await x).toBe(1);
    } finally {
      delete flags.flotillaRetryFlag;
      await client.close();
    }
  });

  it('map takes a list of explicit keys, one per element (test_map_keynames)', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, cluster }) => {
      const futures = client.with({ key: ['first', 'second', 'third'] }).map(inc, [1, 2, 3]);
      expect(futures.map((f) => f.key)).toEqual(['first', 'second', 'third']);
      expect(await client.gather(futures)).toEqual([2, 3, 4]);
      expect(cluster.scheduler.view.tasks.get('second')?.state).toBe('memory');
      expect(() => client.with({ key: ['a', 'b'] }).map(inc, [1, 2, 3])).toThrow('map got 2 keys for 3 elements');
      expect(() => client.with({ key: ['a', 'a'] }).map(inc, [1, 2])).toThrow(ConfigurationError);
      expect(() => client.with({ key: ['a', ''] }).map(inc, [1, 2])).toThrow('every key must be a non-empty string');
      expect(() => client.with({ key: ['a'] }).submit(inc, 1)).toThrow('a list of keys is for map');
      for (const future of futures) future.release();
      await waitUntil(() => cluster.scheduler.view.tasks.size === 0, 'the released keys are forgotten');
    });
  });

  it('dashboardLink is told by the scheduler when connecting by address (test_dashboard_link)', async () => {
    await withCluster({ nWorkers: 1, dashboardAddress: '127.0.0.1:0' }, async ({ client, cluster }) => {
      expect(client.dashboardLink).toBe(cluster.dashboardLink);
      const byAddress = await Client.connect(cluster.schedulerAddress);
      try {
        expect(byAddress.dashboardLink).toBe(cluster.dashboardLink);
        const response = await fetch(byAddress.dashboardLink!);
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('<html');
      } finally {
        await byAddress.close();
      }
    });
    await withCluster({ nWorkers: 1 }, async ({ cluster }) => {
      const byAddress = await Client.connect(cluster.schedulerAddress);
      try {
        expect(byAddress.dashboardLink).toBeUndefined();
      } finally {
        await byAddress.close();
      }
    });
  });
});
