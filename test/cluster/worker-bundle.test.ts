/**
 * LocalCluster's worker processes run the one-file bundle of the worker command (scripts/bundle-worker.mjs,
 * written by the build) and load the same native code as the unbundled command: zeromq's addon, and
 * msgpackr's string extractor by the path the cluster found for them. Checked in each worker process's
 * command line and memory map (/proc/<pid>/cmdline, /proc/<pid>/maps).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Client, LocalCluster } from '../../src/index.js';
import { msgpackrNativeHint, MSGPACKR_NATIVE_VARIABLE } from '../../src/cluster/msgpackr-native-hint.js';
import { workerEntry } from '../../src/cluster/worker-process.js';

const onLinux = process.platform === 'linux';

describe('the worker bundle', () => {
  it('is what the build made, newer than the compiled worker command', () => {
    expect(workerEntry()).toMatch(/dist\/src\/cli\/worker-bundle\.cjs$/);
  });

  it.skipIf(!onLinux)('runs in LocalCluster worker processes, with zeromq and msgpackr-extract loaded natively, and runs tasks', async () => {
    const native = msgpackrNativeHint()[MSGPACKR_NATIVE_VARIABLE];
    expect(native).toMatch(/\.node$/);
    const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false });
    const client = await Client.connect(cluster);
    try {
      await client.waitForWorkers(2, { timeoutMs: 30_000 });
      for (const pid of cluster.workerPids) {
        expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1]).toBe(workerEntry());
        const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
        expect(maps).toContain(native);
        expect(maps).toMatch(/zeromq\/build\/.*addon\.node/);
      }
      const keys = Array.from({ length: 20 }, (_, i) => `key-${i}-${'é'.repeat(i)}`);
      expect(await client.submit((list: string[]) => list.map((k) => k.toUpperCase()), keys).result()).toEqual(keys.map((k) => k.toUpperCase()));
    } finally {
      await client.close();
      await cluster.close();
    }
  }, 60_000);

  it.skipIf(!onLinux)('falls back to msgpackr-extract\'s own search when the path it is given does not load', async () => {
    const native = msgpackrNativeHint()[MSGPACKR_NATIVE_VARIABLE]!;
    const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, dashboardAddress: false, env: { [MSGPACKR_NATIVE_VARIABLE]: '/nonexistent/extract.node' } });
    const client = await Client.connect(cluster);
    try {
      await client.waitForWorkers(1, { timeoutMs: 30_000 });
      expect(readFileSync(`/proc/${cluster.workerPids[0]}/maps`, 'utf8')).toContain(native);
      expect(await client.submit((s: string) => s.length, 'flotilla').result()).toBe(8);
    } finally {
      await client.close();
      await cluster.close();
    }
  }, 60_000);

  it('is not told a native path when the cluster env chooses another C library', () => {
    expect(msgpackrNativeHint({ LIBC: process.env.LIBC === 'musl' ? 'glibc' : 'musl' })).toEqual({});
  });
});
