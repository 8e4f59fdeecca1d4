import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlotillaError } from '../../src/index.js';
import { childPids, isAlive, waitUntil, withCluster } from '../support/with-cluster.js';

describe('cluster-wide operations', () => {
  it('runs a function on every worker and reports which failed', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client, cluster }) => {
      const pids = await client.run(() => process.pid);
      expect(Object.keys(pids).sort()).toEqual(['local-0', 'local-1']);
      expect(Object.values(pids).sort()).toEqual([...cluster.workerPids].sort());
      const only = await client.with({ workers: ['local-1'] }).run((x: number) => x + 1, 1);
      expect(only).toEqual({ 'local-1': 2 });
      const failing = () => {
        throw new Error('no GPU here');
      };
      await expect(client.run(failing)).rejects.toThrow(/run failed on 2 worker\(s\):\n {2}local-\d: TaskError: no GPU here|run failed on 2 worker\(s\):\n {2}local-\d: Error: no GPU here/);
      const returned = await client.with({ onError: 'return' }).run(failing);
      expect(returned['local-0']).toBeInstanceOf(Error);
    });
  });

  it('uploads a module that tasks import, and refuses missing or unknown files', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      const dir = mkdtempSync('/tmp/flotilla-upload-');
      const helper = join(dir, 'physics.mjs');
      writeFileSync(helper, 'export const g = 9.81;\n');
      const result = await client.uploadFile(helper);
      expect(result.workers.sort()).toEqual(['local-0', 'local-1']);
      const fall = async (t: number) => {
        // The module exists only on the workers (uploaded above), so its type is stated here.
        const { g }: { g: number } = await import('./physics.mjs' as string);
        return 0.5 * g * t * t;
      };
      expect(await client.submit(fall, 2)).toBeCloseTo(19.62);
      await expect(client.uploadFile(join(dir, 'missing.mjs'))).rejects.toThrow(/does not exist/);
      writeFileSync(join(dir, 'notes.txt'), 'x');
      await expect(client.uploadFile(join(dir, 'notes.txt'))).rejects.toBeInstanceOf(FlotillaError);
    });
  });

  it('scatters values to one worker or all of them', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      const [table] = await client.scatter([{ a: 1, b: 2 }]);
      expect(await client.submit((t: { a: number; b: number }) => t.a + t.b, table!)).toBe(3);
      const big = Float64Array.from({ length: 100_000 }, (_, i) => i);
      const { shared } = await client.scatter({ shared: big }, { broadcast: true });
      await expect(client.scatter(big as never)).rejects.toThrow(/scatter takes an array of values.*Float64Array/);
      const holders = await client.whoHas([shared]);
      expect(holders[shared.key]).toHaveLength(2);
      const sums = client.map((a: Float64Array, i: number) => a.reduce((s, x) => s + x, 0) + i * 0, [shared, shared], [0, 1]);
      expect(await client.gather(sums)).toEqual([4999950000, 4999950000]);
      expect(await shared).toEqual(big);
      const info = await client.schedulerInfo();
      expect(info.workers).toHaveLength(2);
      expect(info.workers[0]).toMatchObject({ nthreads: 1, host: expect.any(String), address: expect.stringMatching(/^ipc:\/\/\//) });
    });
  });

  it('a retiring worker hands its results to another worker instead of losing them', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client, cluster }) => {
      const { mkdtempSync, readdirSync } = await import('node:fs');
      const dir = mkdtempSync('/tmp/flotilla-retire-');
      const record = async (x: number, d: string) => {
        const fs = await import('node:fs');
        fs.writeFileSync(`${d}/ran-${x}-${process.pid}-${Math.random()}`, '');
        return x * 10;
      };
      const futures = client.map(record, [1, 2, 3, 4, 5, 6], Array(6).fill(dir));
      await client.gather(futures);
      const runs = readdirSync(dir).length;
      expect(runs).toBe(6);
      const holders = await client.whoHas(futures);
      expect(new Set(Object.values(holders).flat()).size).toBe(2);
      await cluster.scale(1);
      await client.waitForWorkers(1, { timeoutMs: 5_000 });
      const after = await client.whoHas(futures);
      expect(new Set(Object.values(after).flat()).size).toBe(1);
      expect(Object.values(after).every((h) => h.length === 1)).toBe(true);
      // Every result is still there, and none was computed again.
      expect(await client.gather(futures)).toEqual([10, 20, 30, 40, 50, 60]);
      expect(readdirSync(dir).length).toBe(runs);
    });
  });

  it('scales up and down, and close() leaves no child process and no socket', async () => {
    let address = '';
    const before = new Set(childPids());
    await withCluster({ nWorkers: 1 }, async ({ client, cluster }) => {
      address = cluster.schedulerAddress;
      await cluster.scale(3);
      await client.waitForWorkers(3, { timeoutMs: 5_000 });
      expect(client.workerCount).toBe(3);
      expect(cluster.workerPids).toHaveLength(3);
      expect(await client.gather(client.map((x: number) => x + 1, [1, 2, 3, 4, 5, 6]))).toEqual([2, 3, 4, 5, 6, 7]);
      const pids = cluster.workerPids;
      await cluster.scale(1);
      await waitUntil(() => client.workerCount === 1, 'two workers retired');
      await waitUntil(() => pids.filter(isAlive).length === 1, 'retired worker processes exited');
    });
    expect(childPids().filter((pid) => !before.has(pid))).toEqual([]);
    // The scheduler's and workers' sockets lived in the cluster's private directory, which is gone.
    expect(address).toMatch(/^ipc:\/\/\//);
    expect(existsSync(dirname(address.slice('ipc://'.length)))).toBe(false);
  });
});
