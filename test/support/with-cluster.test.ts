/** The test fixture itself: waits driven by transition events, the transition cap, the time-out report. */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SchedulerEvents, TransitionEvent } from '../../src/index.js';
import { forwardTransitions } from '../../src/scheduler/transition-feed.js';
import { withCluster } from './with-cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-fixture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A task that holds its thread until the file `gate` exists (bounded: 20 s). */
const gated = async (gate: string): Promise<string> => {
  const fs = await import('node:fs');
  for (let i = 0; i < 2000 && !fs.existsSync(gate); i++) await new Promise((r) => setTimeout(r, 10));
  return 'opened';
};

describe('withCluster', () => {
  it('starts the body once every worker has registered', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client, cluster }) => {
      expect(client.workerCount).toBe(2);
      expect(cluster.scheduler.workerCount).toBe(2);
    });
  });

  it('waitForState resolves on the transition, at once when the task is already there, and names the key on a time-out', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, waitForState, transitions }) => {
      const gate = join(dir, 'wait-gate');
      const held = client.submit(gated, gate);
      await waitForState(held, 'processing');
      const behind = client.submit((x: number) => x + 1, 1);
      await waitForState(behind.key, ['queued', 'processing']);
      const error = await waitForState(held, 'memory', { timeoutMs: 50 }).then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).toMatch(new RegExp(`^timed out after 50 ms waiting for task ${held.key} to be memory: it is processing on local-0; its last moves: released->waiting`));
      const never = await waitForState('no-such-key', 'memory', { timeoutMs: 10 }).then(() => undefined, (e: unknown) => e as Error);
      expect(never?.message).toContain('the scheduler never moved it');
      writeFileSync(gate, '');
      await waitForState(held, 'memory');
      expect(await held).toBe('opened');
      await waitForState(held, 'memory'); // already there: at once
      expect(await behind).toBe(2);
      held.release();
      await waitForState(held, 'forgotten');
      expect(transitions()).toBeGreaterThanOrEqual(8);
    });
  });

  it('waitForWorkerState follows workers by name', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client, waitForWorkerState }) => {
      await waitForWorkerState('local-1', 'added');
      await client.retireWorkers(['local-1']);
      await waitForWorkerState('local-1', 'retired');
      await waitForWorkerState('local-1', 'removed');
      await expect(waitForWorkerState('local-9', 'added', { timeoutMs: 10 })).rejects.toThrow('the scheduler never saw it (workers seen: local-0, local-1)');
    });
  });

  it('fails a test that runs more transitions than its cap, naming the keys that moved most', async () => {
    const run = withCluster({ nWorkers: 1, transitionCap: 12 }, async ({ client }) => {
      await client.gather(client.map((x: number) => x * 2, [1, 2, 3, 4, 5, 6]));
    });
    await expect(run).rejects.toThrow(/^the scheduler ran more than 12 transitions, the cap of this test .* Keys that moved most: .*raise its `transitionCap`\.$/);
  });

  it('on a time-out names the pending futures, their states and workers', async () => {
    const gate = join(dir, 'never-opened');
    let key = '';
    const run = withCluster({ nWorkers: 1, deadlineMs: 1_500 }, async ({ client, waitForState }) => {
      const stuck = client.submit(gated, gate);
      key = stuck.key;
      await waitForState(stuck, 'processing');
      await stuck;
    });
    const error = await run.then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toBe(`test body did not finish within 1500 ms; pending futures: ${key} (processing on local-0); tasks by state: {"processing":1}`);
  });
});

describe("the scheduler's transition event", () => {
  it('is observed only while someone listens', () => {
    const events = new EventEmitter<SchedulerEvents>();
    const observers: Array<((event: TransitionEvent) => void) | undefined> = [];
    forwardTransitions(events, { observeTransitions: (listener) => observers.push(listener) });
    const seen: TransitionEvent[] = [];
    const first = (event: TransitionEvent) => seen.push(event);
    const second = () => undefined;
    events.on('transition', first);
    events.on('transition', second);
    expect(observers).toHaveLength(2);
    const event: TransitionEvent = { key: 'k', from: 'released', to: 'waiting', stimulus: 'submit-c', count: 1 };
    observers[1]!(event);
    expect(seen).toEqual([event]);
    events.off('transition', first);
    expect(observers).toHaveLength(2);
    events.off('transition', second);
    expect(observers).toEqual([expect.any(Function), expect.any(Function), undefined]);
    events.on('worker-retired', () => undefined);
    expect(observers).toHaveLength(3);
  });
});
