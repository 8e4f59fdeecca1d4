import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../../src/index.js';
import { waitUntil, withCluster } from '../support/with-cluster.js';

/** Blocks its thread for `ms` and returns when it ran, by the wall clock shared by all processes here. */
const holdFor = (ms: number) => {
  const start = Date.now();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return { start, end: Date.now(), pid: process.pid };
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('worker and resource restrictions, end to end', () => {
  it('never runs more tasks needing a resource at once than a worker offers, though it has threads to spare', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 3, resources: { GPU: 1 } }, async ({ client }) => {
      const runs = await client.gather(client.with({ resources: { GPU: 1 }, pure: false }).map(holdFor, [150, 150, 150, 150]));
      runs.sort((a, b) => a.start - b.start);
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
    });
  });

  it('runs a task pinned to a worker there, and lets another run it with allowOtherWorkers', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      const pids = await client.run(() => process.pid);
      const pinned = await client.with({ workers: ['local-1'], pure: false }).map(holdFor, [1, 1, 1]);
      for (const run of await client.gather(pinned)) expect(run.pid).toBe(pids['local-1']);
      const preferred = client.with({ workers: ['no-such-worker'], allowOtherWorkers: true }).submit(holdFor, 2);
      expect(Object.values(pids)).toContain((await preferred).pid);
    });
  });

  it('warns the client once, naming the likely typo, when no worker may run a task; the task waits and can be cancelled', async () => {
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, encoding?: BufferEncoding, done?: (error?: Error | null) => void) => {
      stderr.push(String(chunk));
      return write(chunk, encoding, done);
    });
    await withCluster({ nWorkers: 1, resources: { GPU: 1 } }, async ({ client }) => {
      const typo = client.with({ resources: { gpu: 1 } }).map(holdFor, [1, 2, 3]);
      await waitUntil(() => stderr.some((line) => line.includes('no connected worker may run it')), 'the client warned about the task no worker may run');
      const warnings = stderr.filter((line) => line.includes('no connected worker may run it'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`task ${typo[0]!.key} waits: no connected worker may run it, because it needs gpu=1 on one worker, and the most any connected worker offers is GPU=1 (did you mean "GPU" instead of "gpu"? Resource names are case-sensitive)`);
      expect(typo.map((f) => f.status)).toEqual(['pending', 'pending', 'pending']);
      await client.cancel(typo);
      for (const future of typo) await expect(future.result()).rejects.toBeInstanceOf(CancelledError);
      expect((await client.with({ resources: { GPU: 1 } }).submit(holdFor, 4)).end).toBeGreaterThan(0);
    });
  });
});
