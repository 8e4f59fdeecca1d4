import { mkdtempSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CancelledError, KilledWorkerError } from '../../src/index.js';
import { isAlive, waitUntil, withCluster } from '../support/with-cluster.js';

/** A task that waits until the test creates `${dir}/go` (bounded to 30 s). */
const gated = async (dir: string, value: number) => {
  const fs = await import('node:fs');
  for (let i = 0; i < 3000 && !fs.existsSync(`${dir}/go`); i++) await new Promise((r) => setTimeout(r, 10));
  return value;
};

describe('cancellation', () => {
  it('cancels a queued future and fails its dependents with CancelledError', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const dir = mkdtempSync('/tmp/flotilla-cancel-');
      const blocker = client.submit(gated, dir, 1);
      const queued = client.submit(gated, dir, 2);
      const dependent = client.submit((x: number) => x + 1, queued);
      await queued.cancel();
      expect(queued.status).toBe('cancelled');
      await expect(queued).rejects.toBeInstanceOf(CancelledError);
      await expect(dependent).rejects.toBeInstanceOf(CancelledError);
      writeFileSync(`${dir}/go`, '');
      expect(await blocker).toBe(1);
    });
  });

  it('ends the thread of a running task that never yields, and the worker goes on', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, cluster }) => {
      const spin = client.submit(() => {
        for (;;) {
          // A CPU-bound loop: only ending its thread stops it.
        }
      });
      await waitUntil(() => cluster.scheduler.workerSummaries()[0]!.running === 1, 'the spinning task runs');
      await client.cancel(spin);
      await expect(spin).rejects.toBeInstanceOf(CancelledError);
      // The worker answers heartbeats throughout, and its replacement thread runs new work.
      expect(await client.submit((x: number) => x * 3, 14)).toBe(42);
      expect(cluster.scheduler.workerCount).toBe(1);
    });
  });
});

describe('worker failures', () => {
  it('loses no result when a worker is killed with SIGKILL while tasks run', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client, cluster }) => {
      const slowSquare = async (x: number) => {
        await new Promise((r) => setTimeout(r, 30));
        return x * x;
      };
      const inputs = Array.from({ length: 60 }, (_, i) => i);
      const futures = client.map(slowSquare, inputs);
      const sums = client.submit((xs: number[]) => xs.reduce((a, b) => a + b, 0), futures);
      await waitUntil(() => futures.filter((f) => f.done()).length >= 10, 'some tasks finished');
      const victim = cluster.workerPids[0]!;
      process.kill(victim, 'SIGKILL');
      expect(await client.gather(futures)).toEqual(inputs.map((x) => x * x));
      expect(await sums).toBe(inputs.reduce((a, x) => a + x * x, 0));
      await waitUntil(() => !isAlive(victim), 'the killed worker is gone');
      // The LocalCluster starts a replacement.
      await client.waitForWorkers(2, { timeoutMs: 20_000 });
    });
  });

  it('fails with KilledWorkerError after allowedFailures worker deaths on the same task', async () => {
    await withCluster({ nWorkers: 1, allowedFailures: 2 }, async ({ client }) => {
      const crash = client.submit(() => {
        process.kill(process.pid, 'SIGKILL');
        return 0;
      });
      const error = await crash.exception({ timeoutMs: 30_000 });
      expect(error).toBeInstanceOf(KilledWorkerError);
      const killed = error as KilledWorkerError;
      expect(killed.key).toBe(crash.key);
      expect(killed.workers).toEqual(['local-0', 'local-0']);
      expect(killed.message).toContain(crash.key);
      expect(killed.message).toContain('getWorkerLogs');
      // A healthy task still runs afterwards.
      await client.waitForWorkers(1, { timeoutMs: 20_000 });
      expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
    });
  });
});

describe('releasing results', () => {
  it('frees a released result on the cluster, and one whose future was garbage collected', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await withCluster({}, async ({ client, cluster }) => {
      const kept = client.submit((x: number) => x, 1);
      const released = client.submit((x: number) => x, 2);
      await client.gather([kept, released]);
      const tasks = cluster.scheduler.view.tasks;
      expect(tasks.has(released.key)).toBe(true);
      released.release();
      await waitUntil(() => !tasks.has(released.key), 'the released key is forgotten');
      expect(tasks.has(kept.key)).toBe(true);
      await expect(released.result()).rejects.toThrow('released');

      let key = '';
      await (async () => {
        const transient = client.submit((x: number) => x, 3);
        key = transient.key;
        await transient;
      })();
      await waitUntil(() => {
        gc();
        return !tasks.has(key);
      }, 'the garbage-collected future is released', 20_000);
      expect(await kept).toBe(1);
    });
  });
});
