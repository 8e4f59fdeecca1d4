/**
 * functionMultiprocessing with the real Client in every execution mode: worker processes of a
 * LocalCluster, `threads` and `sync`, against the in-process run. The wrapper imports the package by
 * name (`await import('flotilla')`), as a user's would, and derives its uuids from its index, so every
 * mode must produce the same combined file byte for byte.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  functionMultiprocessingDetailed,
  MultiprocessingError,
  PartStore,
  TaskError,
  type MultiprocessingOptions,
  type MultiprocessingResult,
} from '../../src/index.js';
import { isAlive, waitUntil, withCluster } from '../support/with-cluster.js';
import { gridTask, type PackageGridKwargs as GridKwargs } from './helpers/package-wrappers.js';

/** Keyword sets for `count` grids; the indices in `failing` throw a RangeError on the worker. */
function gridKwargs(count: number, { failing = [], delayMs = 0, markStart = false }: { failing?: number[]; delayMs?: number; markStart?: boolean } = {}): GridKwargs[] {
  return Array.from({ length: count }, (_, index) => ({
    uuidSeed: 'real-client-test',
    ni: 2 + (index % 3),
    delayMs,
    markStart,
    ...(failing.includes(index) ? { throwMessage: `grid ${index} refused: ni out of range` } : {}),
  }));
}

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'flotilla-mp-real-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Runs the grid wrapper over `kwargsList` into `<folder>/<label>.parts.jsonl`, with its own temporary folder. */
async function runGrids(label: string, kwargsList: GridKwargs[], options: MultiprocessingOptions = {}): Promise<{ result: MultiprocessingResult; bytes: Buffer }> {
  const tmpDir = join(folder, `${label}-tmp`);
  const target = join(folder, `${label}.parts.jsonl`);
  const result = await functionMultiprocessingDetailed(gridTask, kwargsList, target, { tmpDir, ...options });
  expect(readdirSync(tmpDir), `${label}: the temporary folder is removed`).toEqual([]);
  return { result, bytes: readFileSync(target) };
}

const COUNT = 24;
const FAILING = [5, 17];

/** What the in-process run of gridKwargs(COUNT, { failing: FAILING }) must look like, checked once. */
async function checkReference(reference: { result: MultiprocessingResult; bytes: Buffer }, target: string): Promise<void> {
  const expected = Array.from({ length: COUNT }, (_, index) => !FAILING.includes(index));
  expect(reference.result.successes).toEqual(expected);
  const combined = await PartStore.read(target);
  const types = [...combined.parts.values()].map((part) => part.type);
  // One crs and one units part for all tasks; a grid and a property per successful task.
  const succeeded = COUNT - FAILING.length;
  expect(types.filter((type) => type === 'crs')).toHaveLength(1);
  expect(types.filter((type) => type === 'units')).toHaveLength(1);
  expect(types.filter((type) => type === 'grid')).toHaveLength(succeeded);
  expect(types.filter((type) => type === 'property')).toHaveLength(succeeded);
  expect(combined.equivalences.size).toBe(2 * (succeeded - 1));
  expect(reference.result.recombined).toMatchObject({ partsConsolidated: 2 * (succeeded - 1), partsWritten: 2 + 2 * succeeded, failures: [] });
  for (const entry of reference.result.entries.filter((e) => e.success)) {
    expect(combined.get(entry.uuids[0] as string)?.type).toBe('property');
  }
}

/** The failed entries of a run: their index, and the error's name and message as the caller sees them. */
function failures(result: MultiprocessingResult): Array<{ index: number; name: string | undefined; message: string | undefined }> {
  return result.entries.filter((e) => !e.success).map((e) => ({ index: e.index, name: e.error?.name, message: e.error?.message }));
}

describe('the same combined file in every execution mode', () => {
  test('a LocalCluster of worker processes, threads mode and sync mode match the in-process run byte for byte', { timeout: 180_000 }, async () => {
    const kwargsList = gridKwargs(COUNT, { failing: FAILING });
    const reference = await runGrids('in-process', kwargsList);
    await checkReference(reference, join(folder, 'in-process.parts.jsonl'));
    const expectedFailures = FAILING.map((index) => ({ index, name: 'RangeError', message: `grid ${index} refused: ni out of range` }));
    expect(failures(reference.result)).toEqual(expectedFailures);

    const runs: Record<string, { result: MultiprocessingResult; bytes: Buffer }> = {};
    await withCluster({ deadlineMs: 90_000 }, async ({ client, cluster }) => {
      expect(cluster.workerPids).toHaveLength(2);
      runs.processes = await runGrids('processes', kwargsList, { client });
    });
    for (const mode of ['threads', 'sync'] as const) {
      const client = await Client.connect({ mode, nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false });
      try {
        runs[mode] = await runGrids(mode, kwargsList, { client });
      } finally {
        await client.close();
      }
    }

    for (const [mode, run] of Object.entries(runs)) {
      expect(run.result.successes, mode).toEqual(reference.result.successes);
      expect(run.bytes.equals(reference.bytes), `${mode}: combined file differs from the in-process one`).toBe(true);
      expect(run.result.entries.map((e) => e.uuids), mode).toEqual(reference.result.entries.map((e) => e.uuids));
      // The error thrown by the wrapper is kept for its own index, with its name and message.
      expect(failures(run.result), mode).toEqual(expectedFailures);
    }
    // Every mode wraps the wrapper's error the same way: a TaskError carrying the original stack, so code
    // debugged in sync mode meets the same error class on a cluster.
    for (const mode of ['processes', 'threads', 'sync']) {
      const error = runs[mode]!.result.entries[FAILING[0]!]!.error as TaskError;
      expect(error, mode).toBeInstanceOf(TaskError);
      expect(error.remoteStack, mode).toMatch(/RangeError: grid 5 refused[\s\S]*gridTask/);
    }
  });
});

describe('on a LocalCluster', () => {
  test('requireSuccess rejects listing the indices that threw on workers, after recombining the others', { timeout: 120_000 }, async () => {
    await withCluster({ deadlineMs: 90_000 }, async ({ client }) => {
      const target = join(folder, 'required.parts.jsonl');
      const kwargsList = gridKwargs(10, { failing: [2, 7] });
      const rejection = await functionMultiprocessingDetailed(gridTask, kwargsList, target, { client, tmpDir: folder, requireSuccess: true }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(rejection).toBeInstanceOf(MultiprocessingError);
      const error = rejection as MultiprocessingError;
      expect(error.failedIndices).toEqual([2, 7]);
      expect(error.message).toContain('2 of 10 keyword sets failed (indices 2, 7)');
      expect(error.message).toContain('index 2: RangeError: grid 2 refused: ni out of range');
      expect(error.entries[7]?.error).toBeInstanceOf(TaskError);

      // The eight successful entries are in the combined file all the same.
      const combined = await PartStore.read(target);
      const kept = error.entries.filter((entry) => entry.success);
      expect(kept.map((entry) => entry.index)).toEqual([0, 1, 3, 4, 5, 6, 8, 9]);
      for (const entry of kept) expect(combined.has(entry.uuids[0] as string)).toBe(true);
      expect([...combined.parts.values()].filter((part) => part.type === 'property')).toHaveLength(8);
    });
  });

  test('a worker killed while it runs a task: the task runs again elsewhere and every entry succeeds', { timeout: 180_000 }, async () => {
    const count = 30;
    await withCluster({ deadlineMs: 120_000 }, async ({ client, cluster }) => {
      const tmpDir = join(folder, 'killed-tmp');
      const target = join(folder, 'killed.parts.jsonl');
      const running = functionMultiprocessingDetailed(gridTask, gridKwargs(count, { delayMs: 300, markStart: true }), target, {
        client,
        tmpDir,
        cleanUp: false, // keep the start markers, to see where the killed task ran again
      });
      let settled = false;
      void running.then(
        () => (settled = true),
        () => (settled = true),
      );

      // Wait until some grids are written and a worker process has started a task it has not finished.
      const workerPids = new Set(cluster.workerPids);
      let victim: { pid: number; index: number } | undefined;
      try {
        await waitUntil(
          () => {
            if (settled) return true;
            if (!existsSync(tmpDir)) return false; // made by the call, asynchronously
            const tmpFolder = readdirSync(tmpDir).find((name) => name.startsWith('tmp_'));
            if (tmpFolder === undefined) return false;
            const names = readdirSync(join(tmpDir, tmpFolder));
            const written = new Set(names.filter((name) => name.endsWith('.parts.jsonl')).map((name) => Number(/^grid_(\d+)\./.exec(name)?.[1])));
            if (written.size < 3) return false;
            for (const name of names) {
              const [, index, pid] = /^started_(\d+)_(\d+)$/.exec(name) ?? [];
              if (index === undefined || written.has(Number(index)) || !workerPids.has(Number(pid))) continue;
              victim = { pid: Number(pid), index: Number(index) };
              return true;
            }
            return false;
          },
          'a worker process is running a task after three grids were written',
          60_000,
        );
        expect(victim, 'the run finished before a worker could be killed mid-task').toBeDefined();
        process.kill(victim!.pid, 'SIGKILL');
        await waitUntil(() => !isAlive(victim!.pid), `killed worker ${victim!.pid} is gone`, 10_000);
      } finally {
        // Whatever failed above, the call ends before the cluster closes and the folder is removed.
        await running.catch(() => undefined);
      }

      const result = await running;
      expect(result.successes).toEqual(Array.from({ length: count }, () => true));
      expect(cluster.workerPids).not.toContain(victim!.pid);
      // The task the killed worker was running ran again in another worker process, and its parts are in the combined file.
      const starts = readdirSync(result.tmpFolder).filter((name) => name.startsWith(`started_${victim!.index}_`));
      expect(starts).toContain(`started_${victim!.index}_${victim!.pid}`);
      expect(starts.length).toBeGreaterThanOrEqual(2);
      expect(existsSync(join(result.tmpFolder, `grid_${victim!.index}.parts.jsonl`))).toBe(true);
      const combined = await PartStore.read(target);
      expect(combined.has(result.entries[victim!.index]!.uuids[0] as string)).toBe(true);
      expect([...combined.parts.values()].filter((part) => part.type === 'property')).toHaveLength(count);
    });

    // Same content as a run without the kill (delays and start markers do not change the output).
    const reference = await runGrids('reference', gridKwargs(count));
    expect(readFileSync(join(folder, 'killed.parts.jsonl')).equals(reference.bytes)).toBe(true);
  });
});
