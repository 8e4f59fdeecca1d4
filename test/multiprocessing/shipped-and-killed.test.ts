import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { TaskError } from '../../src/errors/index.js';
import { functionMultiprocessingDetailed, PartStore, partStoreRecombiner, type Wrapper } from '../../src/multiprocessing/index.js';
import { waitUntil, withCluster } from '../support/with-cluster.js';
import { ownerTag, STALE_MS } from '../../src/multiprocessing/owner.js';
import { compilePartStoreModules, type CompiledModules } from './helpers/compile.js';
import { SourceShippingClient } from './helpers/source-shipping-client.js';

interface GridKwargs {
  partStoreModule: string;
  ni: number;
}
const shipped = createRequire(import.meta.url)('./fixtures/shipped-wrappers.cjs') as {
  buildGrid: Wrapper<GridKwargs>;
  readsOuterVariable: Wrapper<GridKwargs>;
};
const RECOMBINE_CHILD = fileURLToPath(new URL('./fixtures/recombine-child.mjs', import.meta.url));

let compiled: CompiledModules;
beforeAll(() => {
  compiled = compilePartStoreModules();
});
afterAll(() => {
  compiled?.remove();
});

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'flotilla-ship-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('wrappers shipped as source text, as on workers', () => {
  test('run in worker threads from their source and recombine; errors come back per entry', async () => {
    const modules = join(folder, 'modules');
    mkdirSync(modules);
    const client = new SourceShippingClient(modules);
    try {
      const kwargsList = [3, -1, 4, 3].map((ni) => ({ partStoreModule: compiled.partStoreUrl, ni }));
      const target = join(folder, 'grids.jsonl');
      const result = await functionMultiprocessingDetailed(shipped.buildGrid, kwargsList, target, { client, tmpDir: folder, concurrency: 2 });

      expect(shipped.buildGrid.toString()).not.toMatch(/__vite|__vi_/); // really the text a user wrote
      expect(readdirSync(modules).filter((name) => name.endsWith('.mjs'))).toHaveLength(1); // one module per distinct function
      expect(result.successes).toEqual([true, false, true, true]);
      expect(result.entries[1]?.error).toBeInstanceOf(TaskError);
      expect(result.entries[1]?.error?.name).toBe('RangeError');
      expect(result.entries[1]?.error?.message).toBe('ni must not be negative, received -1');

      const combined = await PartStore.read(target);
      const types = [...combined.parts.values()].map((part) => part.type);
      // One crs; grids 0 and 3 (both ni 3) are equivalent once their crs refs are mapped.
      expect(types).toEqual(['crs', 'grid', 'grid']);
      expect(combined.resolve(result.entries[3]?.uuids[0] as string)).toBe(result.entries[0]?.uuids[0]);
    } finally {
      await client.close();
    }
  });

  test('a wrapper reading a variable of its author’s scope fails on the worker, naming it', async () => {
    const modules = join(folder, 'modules');
    mkdirSync(modules);
    const client = new SourceShippingClient(modules);
    try {
      const result = await functionMultiprocessingDetailed(shipped.readsOuterVariable, [{ partStoreModule: '', ni: 1 }], join(folder, 'c.jsonl'), {
        client,
        tmpDir: folder,
      });
      expect(result.successes).toEqual([false]);
      expect(result.entries[0]?.error?.name).toBe('ReferenceError');
      expect(result.entries[0]?.error?.message).toBe('LIMIT is not defined');
    } finally {
      await client.close();
    }
  });
});

describe('on a real LocalCluster', () => {
  test('wrappers run in worker processes, errors come back per entry, outputs recombine', async () => {
    await withCluster({}, async ({ client }) => {
      const kwargsList = [10, 11, -1, 10, 12, 11].map((ni) => ({ partStoreModule: compiled.partStoreUrl, ni }));
      const target = join(folder, 'grids.jsonl');
      const result = await functionMultiprocessingDetailed(shipped.buildGrid, kwargsList, target, { client, tmpDir: folder });

      expect(result.successes).toEqual([true, true, false, true, true, true]);
      expect(result.entries[2]?.error).toBeInstanceOf(TaskError);
      expect(result.entries[2]?.error?.name).toBe('RangeError');
      expect(result.entries[2]?.error?.message).toContain('ni must not be negative, received -1');

      const combined = await PartStore.read(target);
      // One crs, and one grid per distinct ni (10, 11, 12): equal grids are consolidated once their crs refs are mapped.
      expect([...combined.parts.values()].map((part) => part.type)).toEqual(['crs', 'grid', 'grid', 'grid']);
      for (const entry of result.entries.filter((e) => e.success)) expect(combined.has(entry.uuids[0] as string)).toBe(true);
      expect(readdirSync(folder).filter((name) => name.startsWith('tmp_'))).toEqual([]);
    });
  });
});

describe('a recombination killed mid-write', () => {
  test('leaves the previous combined file intact, and the next recombination succeeds', async () => {
    const target = join(folder, 'combined.jsonl');
    const small = await PartStore.create(join(folder, 'small.jsonl'));
    const oldUuids = [small.add({ type: 'crs', data: { epsg: 1 } }), small.add({ type: 'note', data: 'old' })];
    await small.close();
    await partStoreRecombiner.recombine([{ file: small.path, uuids: oldUuids }], target, { consolidate: true });
    const before = readFileSync(target);

    // A large input (several MB, so the child writes to its temporary copy), then a named pipe that
    // nobody writes: reading it blocks the child between two writes, where it is killed.
    const big = await PartStore.create(join(folder, 'big.jsonl'));
    const payload = 'x'.repeat(1000);
    const bigUuids = Array.from({ length: 4000 }, (_, i) => big.add({ type: 'blob', data: { i, payload } }));
    await big.close();
    const pipe = join(folder, 'stalled.pipe');
    execFileSync('mkfifo', [pipe]);
    const inputsFile = join(folder, 'inputs.json');
    writeFileSync(inputsFile, JSON.stringify([{ file: big.path, uuids: bigUuids }, { file: pipe, uuids: ['never'] }]));

    const child = spawn(process.execPath, [RECOMBINE_CHILD, compiled.recombinerUrl, target, inputsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    let temp: string | undefined;
    try {
      temp = await waitForGrownTempFile(folder, before.length, () => child.exitCode !== null, 30_000);
      expect(temp, `the child never wrote past the old content (stderr: ${stderr})`).toBeDefined();
      child.kill('SIGKILL');
      const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });

      // Killed mid-write: its copy holds the old content plus part of the new, the combined file only the old.
      expect(statSync(temp as string).size).toBeGreaterThan(before.length);
      expect(readFileSync(target)).toEqual(before);
      expect([...(await PartStore.read(target)).parts.keys()]).toEqual(oldUuids);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }

    // The leftover copy does not get in the way of the next recombination, which deletes it (its process is gone).
    const summary = await partStoreRecombiner.recombine([{ file: big.path, uuids: bigUuids }], target, { consolidate: true });
    expect(summary.failures).toEqual([]);
    expect(existsSync(temp as string)).toBe(false);
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const combined = await PartStore.read(target);
    expect(combined.size).toBe(2 + 4000);
    expect(readFileSync(target).subarray(0, before.length)).toEqual(before);
  });
});

const tempCopies = (): string[] => readdirSync(folder).filter((name) => name.endsWith('.tmp')).sort();

describe('leftover copies of the combined file', () => {
  test('dead, stale and old-format copies go; a live process’s copy and a fresh foreign one stay', { timeout: 60_000 }, async () => {
    const target = join(folder, 'combined.jsonl');
    const input = await PartStore.create(join(folder, 'in.jsonl'));
    const uuid = input.add({ type: 'note', data: 'hello' });
    await input.close();

    // A live recombination in another process, blocked reading a named pipe nobody writes.
    const pipe = join(folder, 'stalled.pipe');
    execFileSync('mkfifo', [pipe]);
    const inputsFile = join(folder, 'inputs.json');
    writeFileSync(inputsFile, JSON.stringify([{ file: pipe, uuids: ['never'] }]));
    const child = spawn(process.execPath, [RECOMBINE_CHILD, compiled.recombinerUrl, target, inputsFile], { stdio: 'ignore' });
    try {
      const liveCopy = `.combined.jsonl.${ownerTag(child.pid)}.`;
      await waitUntil(() => tempCopies().some((name) => name.startsWith(liveCopy)), 'the live child has made its copy', 30_000);

      const old = new Date(Date.now() - STALE_MS - 60_000);
      const made = (name: string, stale: boolean): string => {
        const path = join(folder, name);
        writeFileSync(path, 'partial');
        if (stale) utimesSync(path, old, old);
        return name;
      };
      const uuidA = '11111111-2222-4333-8444-555555555555';
      const deadPid = spawnAndReapPid();
      const dead = made(`.combined.jsonl.${ownerTag(deadPid)}.${uuidA}.tmp`, false);
      const foreignFresh = made(`.combined.jsonl.other%2Ehost-77.${uuidA}.tmp`, false);
      const foreignStale = made(`.combined.jsonl.other%2Ehost-78.${uuidA}.tmp`, true);
      const oldFormatFresh = made(`.combined.jsonl.${uuidA}.tmp`, false);
      const oldFormatStale = made(`.combined.jsonl.aaaaaaaa-2222-4333-8444-555555555555.tmp`, true);
      const otherTarget = made(`.other.jsonl.${ownerTag(deadPid)}.${uuidA}.tmp`, true);
      const notOurs = made(`.combined.jsonl.backup.tmp`, true);

      const summary = await partStoreRecombiner.recombine([{ file: input.path, uuids: [uuid] }], target, { consolidate: true });
      expect(summary.failures).toEqual([]);

      const left = tempCopies();
      for (const gone of [dead, foreignStale, oldFormatStale]) expect(left, gone).not.toContain(gone);
      for (const kept of [foreignFresh, oldFormatFresh, otherTarget, notOurs]) expect(left, kept).toContain(kept);
      expect(left.filter((name) => name.startsWith(liveCopy)), 'the live process’s copy').toHaveLength(1);
      expect(existsSync(join(folder, dead))).toBe(false);
      expect((await PartStore.read(target)).has(uuid)).toBe(true);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  });
});

/** The pid of a process that has run and been reaped, so it names no live process (until reused). */
function spawnAndReapPid(): number {
  const out = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(out);
}

/**
 * Polls (every 10 ms, up to `timeoutMs`) for a temporary copy of the combined file larger than
 * `oldSize`; stops early when `gaveUp()` says the child has exited.
 */
async function waitForGrownTempFile(folder: string, oldSize: number, gaveUp: () => boolean, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gaveUp()) {
    for (const name of readdirSync(folder)) {
      if (!name.startsWith('.combined.jsonl.') || !name.endsWith('.tmp')) continue;
      const path = join(folder, name);
      if (existsSync(path) && statSync(path).size > oldSize) return path;
    }
    await sleep(10);
  }
  return undefined;
}
