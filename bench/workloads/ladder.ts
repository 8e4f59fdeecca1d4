/**
 * Workload 2: a dependent ladder. Two seed tasks, then `tasks - 2` tasks each adding the results of
 * the previous two (modulo a prime, so the numbers stay small and exact on both sides). Measures
 * tasks/s from the first submit until the last result arrives, and checks that result.
 */
import type { Client, Future } from '../../src/index.js';
import { waitUntilSchedulerIdle } from '../flotilla-cluster.js';
import { RepetitionGate, remainingMs, type RepetitionLimits } from '../limits.js';
import { elapsedMs, median } from '../stats.js';
import type { Measurement } from '../workload-types.js';

/** Keep in sync with LADDER_MODULUS in bench/dask/workloads.py. */
export const LADDER_MODULUS = 1_000_003;

/** The value the ladder must end with, computed here without the cluster. */
export function expectedLadderTop(first: number, second: number, tasks: number): number {
  let [previous, current] = [first, second];
  for (let i = 2; i < tasks; i++) [previous, current] = [current, (previous + current) % LADDER_MODULUS];
  return current;
}

/** Runs one ladder, checks its top value, releases the futures; returns the seconds taken. */
async function ladderOnce(client: Client, first: number, second: number, tasks: number, deadlineMs: number): Promise<number> {
  const expected = expectedLadderTop(first, second, tasks);
  const start = performance.now();
  const futures: Future<number>[] = [client.submit((x: number) => x, first), client.submit((x: number) => x, second)];
  try {
    for (let i = 2; i < tasks; i++) {
      futures.push(client.submit((a: number, b: number) => (a + b) % 1_000_003, futures[i - 2]!, futures[i - 1]!));
    }
    const top = await futures[tasks - 1]!.result({ timeoutMs: remainingMs(deadlineMs) });
    const seconds = elapsedMs(start) / 1000;
    if (top !== expected) throw new Error(`the ladder from ${first}, ${second} ended with ${top}, expected ${expected}`);
    return seconds;
  } finally {
    for (const future of futures) future.release();
  }
}

/** One untimed warm-up ladder of `warmup` tasks, then timed ladders of `tasks` tasks, each from new seeds. */
export async function measureLadder(client: Client, tasks: number, warmup: number, limits: RepetitionLimits, deadlineMs: number): Promise<Measurement> {
  if (warmup >= 2) {
    await ladderOnce(client, 1_000, 1_001, warmup, deadlineMs);
    await waitUntilSchedulerIdle(client);
  }
  const gate = new RepetitionGate(limits);
  const rates: number[] = [];
  for (let rep = 0; gate.mayRepeat(rep); rep++) {
    rates.push(tasks / (await ladderOnce(client, rep + 1, rep + 2, tasks, deadlineMs)));
    await waitUntilSchedulerIdle(client);
  }
  return { metrics: { tasksPerSecond: median(rates) }, samples: rates, sampleUnit: 'tasks/s', detail: { tasks, warmupTasks: warmup, repetitions: rates.length } };
}
