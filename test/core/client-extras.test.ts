import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CancelledError, Client, ConfigurationError, LocalCluster } from '../../src/index.js';
import { withCluster } from '../support/with-cluster.js';

describe('client extras', () => {
  it('progress ends with a summary line when the stream is not a terminal', async () => {
    await withCluster({}, async ({ client }) => {
      let text = '';
      const stream = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }) as unknown as NodeJS.WriteStream;
      const futures = client.map((x: number) => {
        if (x === 3) throw new Error('three');
        return x;
      }, [1, 2, 3, 4]);
      await client.progress(futures, { stream });
      expect(text).toMatch(/\nprogress: 4\/4 done \(100%\), 1 failed, in [\d.]+ s\n$/);
    });
  });

  it('passes env and memoryLimit to worker processes, and finds the scheduler through FLOTILLA_SCHEDULER_ADDRESS', async () => {
    await withCluster({ nWorkers: 1, env: { FLOTILLA_TEST_MARK: 'from-env' }, memoryLimit: '512 MiB' }, async ({ client, cluster }) => {
      expect(await client.submit(() => process.env.FLOTILLA_TEST_MARK)).toBe('from-env');
      expect((await client.schedulerInfo()).workers[0]!.memoryLimit).toBe(512 * 1024 * 1024);
      const saved = process.env.FLOTILLA_SCHEDULER_ADDRESS;
      process.env.FLOTILLA_SCHEDULER_ADDRESS = cluster.schedulerAddress;
      try {
        const second = await Client.connect();
        try {
          expect(second.schedulerAddress).toBe(cluster.schedulerAddress);
          expect(await second.submit((x: number) => x * 2, 4)).toBe(8);
        } finally {
          await second.close();
        }
      } finally {
        if (saved === undefined) delete process.env.FLOTILLA_SCHEDULER_ADDRESS;
        else process.env.FLOTILLA_SCHEDULER_ADDRESS = saved;
      }
    });
  });

  it('waitForWorkers stops at the abort signal, and bad options are refused up front', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const controller = new AbortController();
      const waiting = client.waitForWorkers(4, { signal: controller.signal });
      controller.abort(new Error('enough'));
      await expect(waiting).rejects.toBeInstanceOf(CancelledError);
      await expect(client.waitForWorkers(-1)).rejects.toBeInstanceOf(ConfigurationError);
    });
    expect(() => new LocalCluster({ nWorkers: 1.5 })).toThrow(/nWorkers must be a whole number >= 0, got 1.5/);
    expect(() => new LocalCluster({ nWorkers: 1, dashboardAddress: 'not an address' })).toThrow(ConfigurationError);
  });

  it('closing a client rejects its pending waitForWorkers with CancelledError, and a later call throws', async () => {
    await withCluster({ nWorkers: 1 }, async ({ cluster }) => {
      const other = await Client.connect(cluster);
      const waiting = other.waitForWorkers(5);
      await other.close();
      await expect(waiting).rejects.toBeInstanceOf(CancelledError);
      await expect(waiting).rejects.toThrow('waitForWorkers: the client was closed while waiting (1 worker connected)');
      await expect(other.waitForWorkers(1)).rejects.toThrow('waitForWorkers on a closed client');
    });
  });
});
