/**
 * The temporary copies that killed recombinations leave (`.<name>.<owner>.<uuid>.tmp`) are deleted
 * by the next recombination into the same file, but never one a live process is writing: a copy
 * of a running process on this host, or a recently touched copy from another host, stays.
 */
import { afterEach, beforeAll, afterAll, beforeEach, describe, expect, test } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PartStore, partStoreRecombiner } from '../../src/multiprocessing/index.js';
import { ownerTag, STALE_MS } from '../../src/multiprocessing/owner.js';
import { waitUntil } from '../support/with-cluster.js';
import { compilePartStoreModules, type CompiledModules } from './helpers/compile.js';

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
  folder = mkdtempSync(join(tmpdir(), 'flotilla-leftover-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const copies = (): string[] => readdirSync(folder).filter((name) => name.endsWith('.tmp')).sort();

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
      await waitUntil(() => copies().some((name) => name.startsWith(liveCopy)), 'the live child has made its copy', 30_000);

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

      const left = copies();
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
