import { describe, expect, it } from 'vitest';
import { withCluster } from '../support/with-cluster.js';

const N = 200_000;

describe('transfers in the task stream', () => {
  it('records a worker-to-worker fetch with source, destination, bytes and times', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1 }, async ({ client }) => {
      await client.waitForWorkers(2);
      const since = Date.now();
      await client.getTaskStream({ since }); // starts recording
      const [first, second] = (await client.schedulerInfo()).workers.map((w) => w.id).sort();
      const made = client.with({ workers: [first!] }).submit((n: number) => new Float64Array(n).fill(1), N);
      const summed = client.with({ workers: [second!] }).submit((xs: Float64Array) => xs.map((x) => x * 2), made);
      const result = await client.gather(summed);
      expect(result.length).toBe(N);

      const stream = await client.getTaskStream({ since });
      const transfers = stream.filter((r) => r.kind === 'transfer');
      const between = transfers.find((t) => t.destination === second);
      expect(between).toMatchObject({ source: first, destination: second, keys: [made.key], key: `transfer-${made.key}`, worker: second, thread: -1, group: 'transfer' });
      expect(between!.nbytes).toBeGreaterThanOrEqual(N * 8);
      expect(between!.stop).toBeGreaterThanOrEqual(between!.start);
      expect(between!.start).toBeGreaterThanOrEqual(since - 1000);

      // Task runs are still there, without a kind.
      expect(stream.filter((r) => r.kind === undefined).map((r) => r.key).sort()).toEqual([made.key, summed.key].sort());
    });
  }, 60_000);
});
