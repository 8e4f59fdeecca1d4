/**
 * benchRecombination, compiled (its wrapper imports the compiled part store by file URL, as the
 * workers of the LocalCluster it starts must): a small run in process and on a real LocalCluster.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import type * as BenchModule from '../../src/multiprocessing/bench.js';
import { childPids, waitUntil } from '../support/with-cluster.js';

const BENCH = resolve('dist/src/multiprocessing/bench.js');

async function loadBench(): Promise<typeof BenchModule> {
  expect(existsSync(BENCH), `${BENCH} is missing: run npm run build first`).toBe(true);
  return (await import(pathToFileURL(BENCH).href)) as typeof BenchModule;
}

describe('benchRecombination', () => {
  test('runs in process, then on a LocalCluster it starts and closes, with the same parts written', { timeout: 120_000 }, async () => {
    const { benchRecombination } = await loadBench();
    const before = new Set(childPids());
    const tasks = 200;
    const result = await benchRecombination({ tasks });

    // Five parts per task; the crs and units of every task after the first are consolidated.
    expect(result).toMatchObject({ tasks, parts: 5 * tasks, partsWritten: 2 + 3 * tasks, partsConsolidated: 2 * (tasks - 1), clientWorkers: 2 });
    expect(result.clientNote).toBeUndefined();
    expect(result.partsPerSecond).toBeCloseTo(result.parts / result.seconds, 6);
    expect(result.clientSeconds).toBeGreaterThan(0);
    expect(result.clientRecombineSeconds).toBeLessThan(result.clientSeconds!);
    expect(result.clientSpeedup).toBeCloseTo(result.sequentialSeconds / result.clientSeconds!, 6);
    expect(result.clientTasksPerSecond).toBeCloseTo(tasks / result.clientSeconds!, 6);
    expect(result.clusterStartSeconds).toBeGreaterThan(0);
    await waitUntil(() => childPids().every((pid) => before.has(pid)), 'the bench cluster’s worker processes have exited', 10_000);
  });

  test('cluster: false runs in process only, and a client run over its time limit is reported, not thrown', { timeout: 120_000 }, async () => {
    const { benchRecombination } = await loadBench();
    const inProcess = await benchRecombination({ tasks: 20, cluster: false });
    expect(inProcess.clientSeconds).toBeUndefined();
    expect(inProcess.clientNote).toBe('no client run (cluster: false)');

    const limited = await benchRecombination({ tasks: 400, cluster: { nWorkers: 1, threadsPerWorker: 1, dashboardAddress: false }, clientTimeLimitSeconds: 0.05 });
    expect(limited.partsWritten).toBe(2 + 3 * 400);
    expect(limited.clientSeconds).toBeUndefined();
    expect(limited.clientNote).toBe('the client run was cancelled after the 0.05 s limit');
  });
});
