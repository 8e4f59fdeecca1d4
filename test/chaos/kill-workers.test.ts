/**
 * Chaos: worker processes killed with SIGKILL, at random, while thousands of tasks with
 * dependencies run. Nothing may be lost and nothing may be wrong: every result is checked, results
 * held by a killed worker are computed again when a later task needs them, and the scheduler's
 * state is valid at the end. The victims come from a seeded generator (the seed is printed), the
 * moments from the run's progress.
 */
import { describe, expect, it } from 'vitest';
import type { Future, LocalCluster } from '../../src/index.js';
import { isAlive, waitUntil, withCluster } from '../support/with-cluster.js';
import { report, seededRandom } from './support.js';

const LEAVES = 2400;
const KILLS = 6;

describe('chaos: kill -9 of random workers', () => {
  it(`${KILLS} kills during ${LEAVES + LEAVES / 2 + LEAVES / 8 + 1} tasks with dependencies: 0 lost, 0 wrong`, { timeout: 120_000 }, async () => {
    const seed = Number(process.env.FLOTILLA_CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    process.stdout.write(`chaos: kill-workers seed ${seed} (replay with FLOTILLA_CHAOS_SEED=${seed})\n`);
    await withCluster({ nWorkers: 3, threadsPerWorker: 2, validate: false, deadlineMs: 110_000 }, async ({ client, cluster }) => {
      const removedAt = new Map<string, number>();
      cluster.scheduler.on('worker-removed', (summary: { name: string }) => removedAt.set(summary.name, performance.now()));

      // Three levels: leaves (a few ms each, so kills land on running tasks), pair sums, sums of four pairs.
      const leaf = async (i: number): Promise<number> => {
        await new Promise((resolve) => setTimeout(resolve, 1 + (i % 3)));
        return i * 3 + 1;
      };
      const leaves: Future<number>[] = client.map(leaf, Array.from({ length: LEAVES }, (_, i) => i));
      const pairs: Future<number>[] = [];
      for (let i = 0; i < LEAVES; i += 2) pairs.push(client.submit((a: number, b: number) => a + b, leaves[i]!, leaves[i + 1]!));
      const quads: Future<number>[] = [];
      for (let i = 0; i < pairs.length; i += 4) quads.push(client.submit((xs: number[]) => xs.reduce((s, x) => s + x, 0), pairs.slice(i, i + 4)));
      const all = [...leaves, ...pairs, ...quads];

      const detectionMs: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        // Spread the kills over the run: the next one once a further share of the tasks is done
        // (or at once, if they all are: then it kills a worker holding results that the final task needs).
        const share = Math.floor(((kill + 1) * all.length) / (KILLS + 2));
        await waitUntil(() => all.filter((f) => f.done()).length >= share || all.every((f) => f.done()), `${share} tasks done`, 60_000);
        const names = cluster.scheduler.view.workers.size;
        expect(names).toBe(3);
        const pids = cluster.workerPids;
        const victim = pids[Math.floor(random() * pids.length)]!;
        const workerName = [...cluster.scheduler.view.workers.values()].find((w) => w.info.pid === victim)?.info.name;
        const killedAt = performance.now();
        process.kill(victim, 'SIGKILL');
        await waitUntil(() => !isAlive(victim), `worker ${victim} is gone`);
        await waitUntil(() => workerName !== undefined && (removedAt.get(workerName) ?? 0) >= killedAt, `the scheduler removed ${workerName}`);
        detectionMs.push((removedAt.get(workerName!) as number) - killedAt);
        await client.waitForWorkers(3, { timeoutMs: 20_000 }); // the LocalCluster starts a replacement
        await waitUntil(() => cluster.scheduler.view.workers.size === 3, 'three workers again');
      }

      // The final task is submitted after the kills, so it needs results that may have died with a worker.
      const total = client.submit((xs: number[]) => xs.reduce((s, x) => s + x, 0), quads);
      const expectedLeaves = Array.from({ length: LEAVES }, (_, i) => i * 3 + 1);
      // A fetch from a worker killed mid-transfer fails as soon as the scheduler tells the fetching
      // worker of the death (peer-gone), not at the 30 s peer time-out; the budget stays generous for load.
      const lastKill = performance.now();
      const values = await untilStalled(client.gather(all), 90_000, () => describeStuck(cluster));
      const recoveredMs = Math.round(performance.now() - lastKill);
      const wrongLeaves = expectedLeaves.filter((value, i) => values[i] !== value).length;
      const expectedPairs = Array.from({ length: LEAVES / 2 }, (_, i) => expectedLeaves[2 * i]! + expectedLeaves[2 * i + 1]!);
      const wrongPairs = expectedPairs.filter((value, i) => values[LEAVES + i] !== value).length;
      const expectedQuads = Array.from({ length: LEAVES / 8 }, (_, i) => expectedPairs.slice(4 * i, 4 * i + 4).reduce((s, x) => s + x, 0));
      const wrongQuads = expectedQuads.filter((value, i) => values[LEAVES + LEAVES / 2 + i] !== value).length;
      expect({ wrongLeaves, wrongPairs, wrongQuads }).toEqual({ wrongLeaves: 0, wrongPairs: 0, wrongQuads: 0 });
      expect(await total).toBe(expectedLeaves.reduce((s, x) => s + x, 0));
      expect(detectionMs).toHaveLength(KILLS);
      report('kill-workers', {
        seed,
        tasks: all.length + 1,
        kills: KILLS,
        lost: 0,
        wrong: 0,
        detectionMsMax: Math.round(Math.max(...detectionMs)),
        detectionMsMedian: Math.round([...detectionMs].sort((a, b) => a - b)[KILLS >> 1]!),
        allDoneAfterLastKillMs: recoveredMs,
      });
    });
  });
});

/** `promise`, or a failure naming `stuck()` once it has not settled within `ms`: a stall says what is stuck. */
async function untilStalled<T>(promise: Promise<T>, ms: number, stuck: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no progress for ${ms} ms after the kills: ${stuck()}`)), ms);
  });
  try {
    return await Promise.race([promise, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/** The tasks not in memory: state, worker, its status, and where their inputs are; and the last steps of their stories. */
function describeStuck(cluster: LocalCluster): string {
  const state = cluster.scheduler.view;
  const lines: string[] = [];
  for (const task of state.tasks.values()) {
    if (task.state === 'memory') continue;
    const deps = [...task.deps].map((dep) => `${dep.key.slice(0, 14)}:${dep.state}@[${[...dep.holders].map((h) => `${h.id}/${h.status}`).join(',')}]`);
    const story = state.story(task.key).slice(-6).map((entry) => JSON.stringify(entry)).join(' ');
    lines.push(`${task.key.slice(0, 20)} ${task.state} on ${task.processingOn ? `${task.processingOn.id}/${task.processingOn.status}` : '-'} deps ${deps.slice(0, 6).join(' ')}; story ${story}`);
  }
  const workers = [...state.workers.values()].map((w) => `${w.id}/${w.status} pid ${w.info.pid} executing ${w.executing.size} processing ${w.processing.size}`);
  return `workers: ${workers.join('; ')}. Not in memory: ${lines.slice(0, 10).join(' | ')}`;
}
