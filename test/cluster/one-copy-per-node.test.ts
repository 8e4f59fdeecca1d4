/**
 * One copy per node: the default LocalCluster is one worker process with a task thread per core, a
 * broadcast adds about one array to the whole node (scheduler, client and workers summed), and the
 * task threads of a worker read stored values (scattered ones and large task results) from shared
 * memory rather than from copies of their own. Memory is counted from /proc, as held after the work
 * (no timing); 2 worker processes are the contrast that shows the accounting sees each copy.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { benchNodeCopies } from '../../bench/node-copies.js';
import { defaultWorkerSplit } from '../../src/index.js';
import { withCluster } from '../support/with-cluster.js';

const linux = process.platform === 'linux';

describe('one copy per node', () => {
  it('splits the cores into one worker process with a thread per core, by default', () => {
    expect(defaultWorkerSplit(64)).toEqual({ nWorkers: 1, threadsPerWorker: 64 });
    expect(defaultWorkerSplit(1)).toEqual({ nWorkers: 1, threadsPerWorker: 1 });
  });

  it.skipIf(!linux)('a 200 MB broadcast adds about one array to the node on the default LocalCluster, and one per process with 2', { timeout: 90_000 }, async () => {
    const single = await benchNodeCopies({ megabytes: 200 });
    expect(single.workers).toBe(1);
    expect(single.threadsPerWorker).toBe(availableParallelism());
    // One copy, held in the worker, plus buffers and code on top: the worker's task threads alone add
    // 45–50 MB whatever the array's size (measured with 8 MB), so the array is large enough for that
    // not to read as a second copy (at 80 MB it gave 1.5–1.76); two copies would be ≥ 2.
    expect(single.nodeAddedHeldRatio).toBeGreaterThan(0.9);
    expect(single.nodeAddedHeldRatio).toBeLessThan(1.6);
    expect(single.nodeAddedPeakRatio).toBeLessThan(1.6);
    const two = await benchNodeCopies({ megabytes: 200, cluster: { nWorkers: 2, threadsPerWorker: 1 } });
    expect(two.workers).toBe(2);
    expect(two.nodeAddedHeldRatio).toBeGreaterThan(1.8);
    // The second process holds a second copy: the difference is about one array, whatever the overheads.
    expect(two.nodeAddedHeldRatio - single.nodeAddedHeldRatio).toBeGreaterThan(0.6);
  });

  it('hands every task thread the same memory: a broadcast value and a large result are SharedArrayBuffer views', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 2 }, async ({ client }) => {
      const [table] = await client.scatter([new Float64Array(1 << 17).fill(2)], { broadcast: true });
      const shared = client.map((data: Float64Array, i: number) => data.buffer instanceof SharedArrayBuffer && data[i] === 2, [table, table, table, table], [0, 1, 2, 3]);
      expect(await client.gather(shared)).toEqual([true, true, true, true]);
      // 1 MB: above what a thread keeps decoded for its own dependents, so the dependent gets it from the worker's store.
      const made = client.submit((n: number) => new Float64Array(n).fill(3), 1 << 17);
      const seen = client.map((data: Float64Array, tag: number) => [data.buffer instanceof SharedArrayBuffer, data[tag]], [made, made, made], [0, 1, 2]);
      expect(await client.gather(seen)).toEqual([[true, 3], [true, 3], [true, 3]]);
    });
  });
});
