/**
 * Workload 1: throughput of no-op tasks, `map` + `gather` of `tasks` tasks per repetition.
 * Each repetition uses fresh inputs (so no key repeats) and releases its futures, then waits until
 * the scheduler holds no live task, before the next.
 */
import type { Client } from '../../src/index.js';
import { waitUntilSchedulerIdle } from '../flotilla-cluster.js';
import { RepetitionGate, remainingMs, type RepetitionLimits } from '../limits.js';
import { elapsedMs, median } from '../stats.js';
import type { Measurement } from '../workload-types.js';

/** Maps a no-op over `items`, checks the results, releases the futures; returns the seconds taken. */
async function mapOnce(client: Client, items: number[], deadlineMs: number): Promise<number> {
  const start = performance.now();
  const futures = client.map((x: number) => x, items);
  try {
    const results = await client.gather(futures, { timeoutMs: remainingMs(deadlineMs) });
    const seconds = elapsedMs(start) / 1000;
    const wrong = results.findIndex((value, i) => value !== items[i]);
    if (wrong !== -1) throw new Error(`task ${wrong} returned ${String(results[wrong])}, expected ${items[wrong]}`);
    return seconds;
  } finally {
    for (const future of futures) future.release();
  }
}

/**
 * One untimed warm-up map of `warmup` tasks (function shipping, first compilation), then timed
 * repetitions of `tasks` tasks.
 */
export async function measureNoopMap(client: Client, tasks: number, warmup: number, limits: RepetitionLimits, deadlineMs: number): Promise<Measurement> {
  if (warmup > 0) {
    await mapOnce(client, Array.from({ length: warmup }, (_, i) => -1 - i), deadlineMs);
    await waitUntilSchedulerIdle(client);
  }
  const gate = new RepetitionGate(limits);
  const rates: number[] = [];
  let uncleanRepetitions = 0;
  for (let rep = 0; gate.mayRepeat(rep); rep++) {
    const seconds = await mapOnce(client, Array.from({ length: tasks }, (_, i) => rep * tasks + i), deadlineMs);
    rates.push(tasks / seconds);
    if (!(await waitUntilSchedulerIdle(client))) uncleanRepetitions++;
  }
  return {
    metrics: { tasksPerSecond: median(rates) },
    samples: rates,
    sampleUnit: 'tasks/s',
    detail: { tasks, warmupTasks: warmup, repetitions: rates.length, ...(uncleanRepetitions ? { repetitionsStartedWithLiveTasks: uncleanRepetitions } : {}) },
  };
}
