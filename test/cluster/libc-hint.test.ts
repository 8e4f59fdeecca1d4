/**
 * LocalCluster tells its workers the C library family (LIBC), so node-gyp-build in each worker process
 * and task thread skips asking detect-libc; a LIBC of the user's is left alone. Checked in the
 * environment each worker process was started with (/proc/<pid>/environ).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Client, LocalCluster } from '../../src/index.js';
import { libcHint } from '../../src/cluster/libc-hint.js';

const onLinux = process.platform === 'linux';

function startValue(pid: number, name: string): string | undefined {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);
}

describe('the libc hint', () => {
  it('is the family detect-libc finds here, and nothing when LIBC is set', () => {
    expect(libcHint({ LIBC: 'musl' })).toEqual({});
    if (!onLinux) return;
    const { familySync } = createRequire(import.meta.url)('detect-libc') as { familySync(): string | null };
    expect(libcHint({})).toEqual({ LIBC: familySync() });
  });

  it.skipIf(!onLinux)('reaches LocalCluster worker processes, which still run tasks', async () => {
    const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, dashboardAddress: false });
    const client = await Client.connect(cluster);
    try {
      await client.waitForWorkers(1, { timeoutMs: 30_000 });
      const [pid] = Object.values((await client.run(() => process.pid)) as Record<string, number>);
      expect(startValue(pid!, 'LIBC')).toBe(libcHint({}).LIBC);
      expect(await client.submit((x: number) => x + 1, 1).result()).toBe(2);
    } finally {
      await client.close();
      await cluster.close();
    }
  }, 60_000);
});
