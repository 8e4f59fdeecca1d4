import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, ConfigurationError } from '../../src/errors/index.js';
import {
  functionMultiprocessing,
  functionMultiprocessingDetailed,
  MultiprocessingError,
  OutputFileMissingError,
  PartStore,
  WrapperResultError,
  type PartFile,
} from '../../src/multiprocessing/index.js';
import { ShuffledClient } from './helpers/shuffled-client.js';
import { gridWrapper, PART_STORE_MODULE, type GridKwargs, type Scenario } from './helpers/wrappers.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'flotilla-fm-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function kwargsFor(scenarios: Scenario[], extra: Partial<GridKwargs> = {}): GridKwargs[] {
  return scenarios.map((scenario, i) => ({ partStoreModule: PART_STORE_MODULE, ni: 10 + i, scenario, ...extra }));
}

function tmpFolders(): string[] {
  return readdirSync(folder).filter((name) => name.startsWith('tmp_'));
}

/** Every ref in the file points at a part on an earlier line, and every part appears once. */
function expectReferencedPartsFirst(file: string): void {
  const seen = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { uuid?: string; refs?: string[] };
    if (record.uuid === undefined) continue;
    for (const ref of record.refs ?? []) expect(seen.has(ref), `${record.uuid} refers to ${ref} before it is written`).toBe(true);
    expect(seen.has(record.uuid)).toBe(false);
    seen.add(record.uuid);
  }
}

function partsOfType(combined: PartFile, type: string): string[] {
  return [...combined.parts.values()].filter((part) => part.type === type).map((part) => part.uuid);
}

describe('in process (no client)', () => {
  test('runs every keyword set, recombines with consolidation, and removes the temporary folder', async () => {
    const target = join(folder, 'combined.jsonl');
    const result = await functionMultiprocessingDetailed(gridWrapper, kwargsFor(['ok', 'ok', 'ok', 'ok']), target, { tmpDir: folder });

    expect(result.successes).toEqual([true, true, true, true]);
    expect(result.entries.map((entry) => entry.index)).toEqual([0, 1, 2, 3]);
    expect(result.entries.every((entry) => entry.file?.startsWith(result.tmpFolder) === true)).toBe(true);
    expect(result.tmpFolder.startsWith(folder)).toBe(true);
    expect(result.tmpFolderRemoved).toBe(true);
    expect(tmpFolders()).toEqual([]);

    const combined = await PartStore.read(target);
    // One crs for all (the others consolidated into it), one grid and one property per task.
    expect(partsOfType(combined, 'crs')).toHaveLength(1);
    expect(partsOfType(combined, 'grid')).toHaveLength(4);
    expect(partsOfType(combined, 'property')).toHaveLength(4);
    expect(combined.equivalences.size).toBe(3);
    expect(result.recombined).toMatchObject({ inputs: 4, inputsRecombined: 4, partsRead: 12, partsWritten: 9, partsConsolidated: 3 });
    for (const entry of result.entries) {
      const property = combined.get(entry.uuids[0] as string);
      expect(property?.data).toEqual({ index: entry.index, values: [entry.index, entry.index + 0.5] });
    }
    expectReferencedPartsFirst(target);
  });

  test('the plain form resolves to the success flags, and the tuple result form is accepted', async () => {
    const target = join(folder, 'combined.jsonl');
    const successes = await functionMultiprocessing(gridWrapper, kwargsFor(['tuple', 'ok', 'tuple']), target, { tmpDir: folder });
    expect(successes).toEqual([true, true, true]);
    expect(partsOfType(await PartStore.read(target), 'property')).toHaveLength(3);
  });

  test('passes index and parentTmpDir (absolute, shared by all tasks) to the wrapper', async () => {
    const seen: Array<{ index: number; parentTmpDir: string; label: string }> = [];
    const recorder = (kwargs: { label: string; index: number; parentTmpDir: string }) => {
      seen.push({ index: kwargs.index, parentTmpDir: kwargs.parentTmpDir, label: kwargs.label });
      return { index: kwargs.index, success: false, file: null, uuids: [] };
    };
    await functionMultiprocessing(recorder, [{ label: 'a' }, { label: 'b' }], join(folder, 'c.jsonl'), { tmpDir: join(folder, 'relative', '..') });
    expect(seen.map((s) => [s.index, s.label])).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
    expect(seen[0]?.parentTmpDir).toBe(seen[1]?.parentTmpDir);
    expect(seen[0]?.parentTmpDir).toMatch(new RegExp(`^${folder}/tmp_[0-9a-f-]{36}$`));
  });
});

describe('on a concurrent client', () => {
  test('results and the combined file are in index order although tasks finish out of order', async () => {
    const client = new ShuffledClient({ seed: 7, maxDelayMs: 40 });
    const target = join(folder, 'combined.jsonl');
    const count = 12;
    const result = await functionMultiprocessingDetailed(gridWrapper, kwargsFor(Array(count).fill('ok')), target, {
      client,
      concurrency: 4,
      tmpDir: folder,
    });

    expect(client.completionOrder).toHaveLength(count);
    expect(client.completionOrder).not.toEqual([...Array(count).keys()]); // they really finished out of order
    expect(client.maxInFlight).toBeLessThanOrEqual(4);
    expect(client.maxInFlight).toBeGreaterThan(1);
    expect(result.successes).toEqual(Array(count).fill(true));
    expect(result.entries.map((entry) => entry.index)).toEqual([...Array(count).keys()]);

    const combined = await PartStore.read(target);
    const propertyOrder = partsOfType(combined, 'property').map((uuid) => (combined.parts.get(uuid)?.data as { index: number }).index);
    expect(propertyOrder).toEqual([...Array(count).keys()]);
    expectReferencedPartsFirst(target);
  });

  test('a thrown error or a bad result fails only its own entry, and keeps its error', async () => {
    const client = new ShuffledClient({ seed: 3 });
    const target = join(folder, 'combined.jsonl');
    const scenarios: Scenario[] = ['ok', 'throw', 'report-failure', 'bad-uuids', 'wrong-index', 'ok'];
    const result = await functionMultiprocessingDetailed(gridWrapper, kwargsFor(scenarios), target, { client, tmpDir: folder });

    expect(result.successes).toEqual([true, false, false, false, false, true]);
    expect(result.entries[1]?.error?.message).toBe('boom 1');
    expect(result.entries[2]?.error).toBeUndefined();
    expect(result.entries[3]?.error).toBeInstanceOf(WrapperResultError);
    expect(result.entries[3]?.error?.message).toContain('`uuids[1]` must be a non-empty string, received 42');
    expect(result.entries[4]?.error).toBeInstanceOf(WrapperResultError);
    expect(result.entries[4]?.error?.message).toContain('`index` is 104 but it was called with index 4');

    const combined = await PartStore.read(target);
    const indices = partsOfType(combined, 'property').map((uuid) => (combined.parts.get(uuid)?.data as { index: number }).index);
    expect(indices).toEqual([0, 5]);
  });

  test('requireSuccess rejects listing the failed indices, after recombining the successful ones', async () => {
    const target = join(folder, 'combined.jsonl');
    const run = functionMultiprocessing(gridWrapper, kwargsFor(['ok', 'throw', 'ok', 'report-failure']), target, {
      client: new ShuffledClient({ seed: 11 }),
      requireSuccess: true,
      tmpDir: folder,
    });
    const error = await run.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(MultiprocessingError);
    const failure = error as MultiprocessingError;
    expect(failure.failedIndices).toEqual([1, 3]);
    expect(failure.message).toContain('indices 1, 3');
    expect(failure.message).toContain('index 1: Error: boom 1');
    expect(failure.message).toContain('index 3: the wrapper returned success: false');
    expect(failure.result?.successes).toEqual([true, false, true, false]);
    expect(partsOfType(await PartStore.read(target), 'property')).toHaveLength(2);
    expect(tmpFolders()).toEqual([]);
  });

  test('abort stops submitting, cancels tasks in flight, and rejects with the reason as cause', async () => {
    const client = new ShuffledClient({ seed: 5, maxDelayMs: 200 });
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    let firstFinished: number | undefined;
    client.onTaskFinished = (submission) => {
      firstFinished ??= submission;
      controller.abort(reason);
    };
    const target = join(folder, 'combined.jsonl');
    const run = functionMultiprocessing(gridWrapper, kwargsFor(Array(20).fill('ok')), target, {
      client,
      concurrency: 3,
      signal: controller.signal,
      tmpDir: folder,
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    await expect(run).rejects.toMatchObject({ cause: reason });
    expect(client.submitted).toBeLessThan(20);
    // The tasks still running when the first one finished were cancelled.
    expect(client.cancelled.filter((submission) => submission !== firstFinished).length).toBeGreaterThan(0);
    expect(existsSync(target)).toBe(false);
    expect(tmpFolders()).toEqual([]);
  });

  test('a signal gets a fixed number of abort listeners, however many tasks are in flight', async () => {
    const client = new ShuffledClient({ seed: 9, maxDelayMs: 40 });
    const controller = new AbortController();
    let mostListeners = 0;
    client.onTaskFinished = () => {
      mostListeners = Math.max(mostListeners, getEventListeners(controller.signal, 'abort').length);
    };
    const result = await functionMultiprocessingDetailed(gridWrapper, kwargsFor(Array(60).fill('ok')), join(folder, 'c.jsonl'), {
      client,
      signal: controller.signal,
      tmpDir: folder,
    });
    expect(result.successes.every(Boolean)).toBe(true);
    expect(client.maxInFlight).toBe(60);
    // One for the call, one for the task runner (a listener per task would be 60 here, and warn past 10).
    expect(mostListeners).toBeGreaterThan(0);
    expect(mostListeners).toBeLessThanOrEqual(2);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  test('an already aborted signal runs nothing', async () => {
    const client = new ShuffledClient();
    const run = functionMultiprocessing(gridWrapper, kwargsFor(['ok']), join(folder, 'c.jsonl'), {
      client,
      signal: AbortSignal.abort(new Error('too late')),
      tmpDir: folder,
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(client.submitted).toBe(0);
    expect(tmpFolders()).toEqual([]);
  });
});

describe('output files', () => {
  test('a file that appears after the wrapper returned is waited for', async () => {
    const target = join(folder, 'combined.jsonl');
    const kwargs = kwargsFor(['late-file', 'ok'], { lateMs: 150 });
    const result = await functionMultiprocessingDetailed(gridWrapper, kwargs, target, {
      tmpDir: folder,
      fileWait: { attempts: 200, intervalMs: 10 },
    });
    expect(result.successes).toEqual([true, true]);
    expect(partsOfType(await PartStore.read(target), 'property')).toHaveLength(2);
  });

  test('without waiting, the same late file fails its entry', async () => {
    const kwargs = kwargsFor(['late-file', 'ok'], { lateMs: 150 });
    const result = await functionMultiprocessingDetailed(gridWrapper, kwargs, join(folder, 'c.jsonl'), {
      tmpDir: folder,
      fileWait: { attempts: 1, intervalMs: 0 },
    });
    expect(result.successes).toEqual([false, true]);
    expect(result.entries[0]?.error).toBeInstanceOf(OutputFileMissingError);
  });

  test('a file that never appears fails its entry with an error naming it', async () => {
    const result = await functionMultiprocessingDetailed(gridWrapper, kwargsFor(['ok', 'missing-file']), join(folder, 'c.jsonl'), {
      tmpDir: folder,
      fileWait: { attempts: 3, intervalMs: 10 },
    });
    expect(result.successes).toEqual([true, false]);
    const error = result.entries[1]?.error as OutputFileMissingError;
    expect(error).toBeInstanceOf(OutputFileMissingError);
    expect(error.file).toBe(join(result.tmpFolder, 'part_1.jsonl'));
    expect(error.message).toContain(join(result.tmpFolder, 'part_1.jsonl'));
    expect(error.message).toContain('after 3 looks 10 ms apart');
  });

  test('cleanUp: false keeps the temporary folder with the task outputs and the run journal', async () => {
    const result = await functionMultiprocessingDetailed(gridWrapper, kwargsFor(['ok', 'ok']), join(folder, 'c.jsonl'), {
      tmpDir: folder,
      cleanUp: false,
    });
    expect(result.tmpFolderRemoved).toBe(false);
    expect(readdirSync(result.tmpFolder).sort()).toEqual(['.flotilla-run.jsonl', 'part_0.jsonl', 'part_1.jsonl']);
    expect(tmpFolders()).toEqual([result.tmpFolder.slice(folder.length + 1)]);
  });

  test('when recombination fails as a whole, the combined file and the task outputs are kept', async () => {
    const target = join(folder, 'combined.jsonl');
    writeFileSync(target, '{"uuid":"a","type":"t","refs":[],"data":1}\nnot json\n');
    const before = readFileSync(target);
    const run = functionMultiprocessingDetailed(gridWrapper, kwargsFor(['ok']), target, { tmpDir: folder });
    await expect(run).rejects.toBeInstanceOf(MultiprocessingError);
    await expect(run).rejects.toThrow(/line 2 of .*combined\.jsonl is not valid JSON/);
    expect(readFileSync(target)).toEqual(before);
    const kept = tmpFolders();
    expect(kept).toHaveLength(1);
    expect(readdirSync(join(folder, kept[0] as string)).sort()).toEqual(['.flotilla-run.jsonl', 'part_0.jsonl']);
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await expect(run).rejects.toThrow(/call again with \{ resume: true \} to recombine them without running the tasks again/);
  });
});

describe('updating an existing combined file', () => {
  test('adds new parts after the old ones, consolidating against what is already there', async () => {
    const target = join(folder, 'combined.jsonl');
    await functionMultiprocessing(gridWrapper, kwargsFor(['ok', 'ok']), target, { tmpDir: folder });
    const before = readFileSync(target, 'utf8');
    const first = await PartStore.read(target);

    // Second run: ni 10 and 11 again (grids equal to the first run's) and a new ni.
    const second = [10, 11, 50].map((ni) => ({ partStoreModule: PART_STORE_MODULE, ni }));
    const result = await functionMultiprocessingDetailed(gridWrapper, second, target, { tmpDir: folder });
    expect(result.successes).toEqual([true, true, true]);
    const after = readFileSync(target, 'utf8');
    expect(after.startsWith(before)).toBe(true);

    const combined = await PartStore.read(target);
    expect(partsOfType(combined, 'crs')).toEqual(partsOfType(first, 'crs'));
    // Equivalence cascades through mapped refs: the crs are equal, so the ni 10 and 11 grids are
    // equal to the first run's, and so are their properties (same data, same mapped grid).
    // Only the ni 50 grid and its property are new.
    expect(partsOfType(combined, 'grid')).toHaveLength(3);
    expect(partsOfType(combined, 'property')).toHaveLength(3);
    expect(result.recombined).toMatchObject({ existingParts: 5, partsWritten: 2, partsConsolidated: 7, equivalencesWritten: 7 });
    for (const entry of result.entries) expect(combined.has(entry.uuids[0] as string)).toBe(true);
    expectReferencedPartsFirst(target);
  });

  test('without consolidation every part is copied', async () => {
    const target = join(folder, 'combined.jsonl');
    const result = await functionMultiprocessingDetailed(gridWrapper, kwargsFor(['ok', 'ok', 'ok']), target, {
      tmpDir: folder,
      consolidate: false,
    });
    expect(result.recombined.partsConsolidated).toBe(0);
    const combined = await PartStore.read(target);
    expect(partsOfType(combined, 'crs')).toHaveLength(3);
    expect(combined.equivalences.size).toBe(0);
  });
});

describe('bad input is refused before anything runs', () => {
  test('a keyword set that already has index or parentTmpDir', async () => {
    const kwargsList = [{ a: 1 }, { a: 2, index: 7 }, { parentTmpDir: '/x' }];
    const run = functionMultiprocessing(gridWrapper as never, kwargsList, join(folder, 'c.jsonl'), { tmpDir: folder });
    await expect(run).rejects.toBeInstanceOf(ConfigurationError);
    await expect(run).rejects.toThrow(/kwargsList\[1\] already has `index`.*rename that key.*kwargsList\[2\] already has `parentTmpDir`/);
    expect(tmpFolders()).toEqual([]);
  });

  test('a keyword set that is not a plain object', async () => {
    class Settings {
      ni = 1;
    }
    const run = functionMultiprocessing(gridWrapper as never, [new Settings(), [1, 2]], join(folder, 'c.jsonl'), { tmpDir: folder });
    await expect(run).rejects.toThrow(/kwargsList\[0\] is an instance of Settings, not a plain object.*kwargsList\[1\] is an array/);
  });

  test('a missing folder for the combined file, an unknown option, a bad concurrency', async () => {
    const kwargs = kwargsFor(['ok']);
    await expect(functionMultiprocessing(gridWrapper, kwargs, join(folder, 'no', 'c.jsonl'), { tmpDir: folder })).rejects.toThrow(
      /folder of recombinedFile, .*\/no, does not exist; create it first/,
    );
    await expect(functionMultiprocessing(gridWrapper, kwargs, join(folder, 'c.jsonl'), { cluster: 1 } as never)).rejects.toThrow(
      /unknown option `cluster`/,
    );
    await expect(functionMultiprocessing(gridWrapper, kwargs, join(folder, 'c.jsonl'), { concurrency: 0 })).rejects.toThrow(
      /option `concurrency` must be a positive integer or Infinity, received number 0/,
    );
    expect(tmpFolders()).toEqual([]);
  });
});
