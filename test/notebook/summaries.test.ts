import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Client, LocalCluster } from '../../src/index.js';
import { LocalJobCluster } from '../../src/jobqueue-cluster/index.js';
import { formatBytes } from '../../src/util/inspect-summary.js';
import { isolatedContext, makeTemporaryDirectory } from '../jobqueue-cluster/helpers.js';
import { withCluster } from '../support/with-cluster.js';

describe('what a notebook cell or console.log prints for the handles', () => {
  it('a LocalCluster and its Client: scheduler, workers, threads, memory, dashboard; a closed one says so', async () => {
    const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, memoryLimit: '1 GiB', dashboardAddress: '127.0.0.1:0' });
    try {
      const starting = inspect(cluster);
      expect(starting).toMatch(/^LocalCluster \{\s+status: 'starting',\s+workers: [01],\s+starting: [12],/);
      expect(starting).not.toContain('scheduler:');
      const client = await Client.connect(cluster);
      const shown = inspect(cluster);
      expect(shown).toContain(`scheduler: '${cluster.schedulerAddress}'`);
      expect(shown).toContain("status: 'running'");
      expect(shown).toContain('workers: 2');
      expect(shown).toContain('threads: 2');
      expect(shown).toContain("memory: '2.00 GiB'");
      expect(shown).toContain(`dashboard: '${cluster.dashboardLink}'`);
      expect(shown).not.toMatch(/ready|log|Logger|Promise/);
      const client1 = inspect(client);
      expect(client1).toMatch(/^Client \{\n  scheduler: '.+',\n  status: 'connected',\n  workers: 2,\n  threads: 2,\n  memory: '2.00 GiB',\n  dashboard: 'http:\/\/127\.0\.0\.1:\d+\/status\?token=.+'\n\}$/);
      // Nested deeper than asked: the name only.
      expect(inspect({ a: { b: { c: client } } }, { depth: 2 })).toContain('c: [Client]');
      await client.close();
      expect(inspect(client)).toBe(`Client { scheduler: '${cluster.schedulerAddress}', status: 'closed' }`);
    } finally {
      await cluster.close();
    }
    expect(inspect(cluster)).toBe(`LocalCluster { scheduler: '${cluster.scheduler.address}', status: 'closed' }`);
  });

  it('a Future: key and status, with its result type or its error', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 2 }, async ({ client }) => {
      const ok = client.submit((x: number) => [x, x], 2);
      const pending = client.submit(() => new Promise((resolve) => setTimeout(resolve, 60_000)));
      const bad = client.submit(() => {
        throw new RangeError('step 7 diverged\nsecond line');
      });
      expect(inspect(pending)).toBe(`Future { key: '${pending.key}', status: 'pending' }`);
      await ok;
      await bad.exception();
      expect(inspect(ok)).toBe(`Future { key: '${ok.key}', status: 'finished', type: 'Array(2)' }`);
      expect(inspect(bad)).toBe(`Future { key: '${bad.key}', status: 'error', error: 'RangeError: step 7 diverged' }`);
      // One line each, so a list of futures reads as a list.
      expect(inspect([ok, bad]).split('\n')).toHaveLength(4);
      ok.release();
      expect(inspect(ok)).toContain("status: 'finished, released'");
      await pending.cancel();
    });
  });

  it('a job-queue cluster: its class, name, jobs by state, workers and dashboard', async () => {
    const dir = makeTemporaryDirectory();
    const cluster = new LocalJobCluster({ cores: 1, memory: '1 GiB', nWorkers: 1, dashboardAddress: '127.0.0.1:0', name: 'inspect-test' }, isolatedContext(dir.path));
    try {
      await cluster.ready;
      const client = await Client.connect(cluster);
      await client.waitForWorkers(1, { timeoutMs: 45_000 });
      const shown = inspect(cluster);
      expect(shown).toMatch(/^LocalJobCluster \{\n  name: 'inspect-test',\n  scheduler: '.+',\n  status: 'running',\n  jobs: '1 running',\n  workers: 1,\n  threads: 1,\n  memory: '1.00 GiB',\n  dashboard: 'http:\/\/127\.0\.0\.1:\d+\/status\?token=.+'\n\}$/);
      await client.close();
    } finally {
      await cluster.close();
      dir.remove();
    }
    expect(inspect(cluster, { breakLength: Infinity })).toMatch(/^LocalJobCluster \{ name: 'inspect-test', scheduler: '.+', status: 'closed', jobs: '1 finished', workers: 0, threads: 0, memory: '0 B' \}$/);
  });

  it('prints memory as Dask does', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(8 * 1024 ** 3)).toBe('8.00 GiB');
  });
});
