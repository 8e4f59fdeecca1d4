/**
 * A 300k-task graph never stalls the scheduler: the submit is taken in slices, heartbeats are heard while
 * it is, a cancel sent behind the submit applies to every key of it, and a worker the scheduler removed
 * meanwhile comes back with one registration, not a cascade. The checks are on what the scheduler did
 * (slice sizes, turns of the event loop while work was left, registrations), not on elapsed times; the
 * longest block is measured by the bench (`--scale`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/index.js';
import { SLICE_KEYS, SLICE_STEPS } from '../../src/scheduler/state/slice-stats.js';
import { waitUntil, withCluster } from '../support/with-cluster.js';

const N = 300_000;

/** Returns 1 once `path` exists (checked every 5 ms, for at most 2 minutes). */
async function gate(path: string): Promise<number> {
  const { access } = await import('node:fs/promises');
  for (let i = 0; i < 24_000; i++) {
    try {
      await access(path);
      return 1;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  throw new Error(`gate ${path} never opened`);
}

function* repeat<T>(value: T, n: number): Generator<T> {
  for (let i = 0; i < n; i++) yield value;
}

describe('a graph of 300k tasks', () => {
  it('is taken in slices with heartbeats heard meanwhile; a cancel behind the submit applies to all of it; a removed worker registers again once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-slicing-'));
    try {
      await withCluster({ validate: false, deadlineMs: 120_000, transitionCap: 10 * N }, async ({ client, cluster }) => {
        const scheduler = cluster.scheduler;
        const state = scheduler.view;
        const added: string[] = [];
        const removed: string[] = [];
        scheduler.on('worker-added', (w) => added.push(w.name));
        scheduler.on('worker-removed', (w) => removed.push(w.name));
        const gatePath = join(dir, 'open');
        const root = client.submit(gate, gatePath);
        await waitUntil(() => state.tasks.get(root.key)?.state === 'processing', 'the gated root runs');
        const rootWorker = state.tasks.get(root.key)!.processingOn!;
        const other = [...state.workers.values()].find((w) => w !== rootWorker)!;

        // Turns of this process's event loop (the scheduler's) while the submit is still being taken in,
        // and whether a heartbeat was heard in them.
        let turnsDuringIngest = 0;
        let heartbeatsDuringIngest = 0;
        let lastSeen = other.lastSeen;
        const ticker = setInterval(() => {
          if (state.tasks.size >= N + 1 || !state.hasPendingWork) return;
          turnsDuringIngest++;
          if (other.lastSeen !== lastSeen) heartbeatsDuringIngest++;
          lastSeen = other.lastSeen;
        }, 50);
        const futures = client.map((r: number, i: number) => r + i, repeat(root, N), Array.from({ length: N }, (_, i) => i));
        // The scheduler drops the root's worker while the graph comes in; the worker, alive, comes back.
        await waitUntil(() => state.tasks.size > 10_000, 'part of the submit is in', 60_000);
        scheduler.removeWorkerByName(rootWorker.id, 'removed by the test while the graph comes in');
        // Sent behind the submit: it must apply to every key, also those not taken in yet.
        const cancelled = client.cancel(futures);
        await waitUntil(() => added.includes(rootWorker.id), 'the removed worker registers again', 60_000);
        await cancelled;
        const outcomes = await Promise.allSettled(futures);
        expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof CancelledError)).toHaveLength(N);
        await waitUntil(() => !state.hasPendingWork && state.countsByState().cancelled === N, 'every dependent is cancelled on the scheduler', 60_000);
        clearInterval(ticker);

        const slices = state.slices();
        expect(slices.largestKeySlice).toBeLessThanOrEqual(SLICE_KEYS);
        // A slice's keys each take a few transitions past the budget at most.
        expect(slices.largestStepSlice).toBeLessThanOrEqual(SLICE_STEPS + 4 * SLICE_KEYS);
        expect(turnsDuringIngest).toBeGreaterThan(2);
        expect(heartbeatsDuringIngest).toBeGreaterThan(0);
        const counts = state.countsByState();
        expect(counts.waiting ?? 0).toBe(0);
        expect(counts.queued ?? 0).toBe(0);

        // The root still runs (on the worker that came back, or the other): open the gate, and it finishes.
        writeFileSync(gatePath, '');
        await expect(root).resolves.toBe(1);
        // Once back, the worker stays: it heard `unknown-worker` for everything it had in flight, and
        // registered again once. Three more heartbeats of its show it is settled.
        const back = state.workerByName(rootWorker.id)!;
        for (let beat = 0; beat < 3; beat++) {
          const seen = back.lastSeen;
          await waitUntil(() => back.lastSeen !== seen, `heartbeat ${beat + 1} of the worker that came back`);
        }
        expect(removed.filter((name) => name === rootWorker.id)).toHaveLength(1);
        expect(added.filter((name) => name === rootWorker.id)).toHaveLength(1);
        expect(state.workers.size).toBe(2);

        for (const f of futures) f.release();
        root.release();
        await waitUntil(() => state.tasks.size === 0 && !state.hasPendingWork, 'every task is forgotten', 60_000);
      });
    } finally {
      if (!existsSync(dir)) return;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
