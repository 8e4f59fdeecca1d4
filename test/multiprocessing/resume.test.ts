/**
 * Resuming an interrupted functionMultiprocessing run. The interruption is real: a child process
 * running the call (on its own LocalCluster, or in process) is killed with SIGKILL once its journal
 * has recorded some successes. The resumed run must run only what had not succeeded and write the
 * same bytes as a clean run; the next fresh call must say how to resume.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../../src/errors/index.js';
import { functionMultiprocessingDetailed, MultiprocessingError, type MultiprocessingOptions } from '../../src/multiprocessing/index.js';
import { childPids, isAlive, waitUntil } from '../support/with-cluster.js';
import { gridTask, type PackageGridKwargs } from './helpers/package-wrappers.js';

const RESUME_CHILD = fileURLToPath(new URL('./fixtures/resume-child.mjs', import.meta.url));
const JOURNAL = '.flotilla-run.jsonl';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'flotilla-resume-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function gridKwargs(count: number, delayMs: number): PackageGridKwargs[] {
  return Array.from({ length: count }, (_, index) => ({ uuidSeed: 'resume-test', ni: 2 + (index % 3), delayMs, markStart: true }));
}

/** The run folders (`tmp_<uuid>`) in `tmpDir`. */
function runFolders(tmpDir: string): string[] {
  return existsSync(tmpDir) ? readdirSync(tmpDir).filter((name) => name.startsWith('tmp_')).map((name) => join(tmpDir, name)) : [];
}

/** The indices a run folder's journal records as successful. */
function recordedIndices(runFolder: string): number[] {
  const path = join(runFolder, JOURNAL);
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.startsWith('{"index"'));
  return lines.map((line) => (JSON.parse(line) as { index: number }).index).sort((a, b) => a - b);
}

/** The indices whose wrapper started in process `pid` (gridTask's `markStart` files). */
function startedBy(runFolder: string, pid: number): number[] {
  return readdirSync(runFolder)
    .map((name) => /^started_(\d+)_(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null && Number(match[2]) === pid)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
}

/** Starts the child, waits until its journal records at least `atLeast` successes, and kills it with SIGKILL. */
async function runAndKill(settings: { kwargsList: PackageGridKwargs[]; target: string; tmpDir: string; cluster: boolean }, atLeast: number): Promise<string> {
  const settingsFile = join(folder, `child-${Date.now()}.json`);
  writeFileSync(settingsFile, JSON.stringify({ ...settings, resume: false }));
  const child = spawn(process.execPath, [RESUME_CHILD, settingsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  try {
    await waitUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`the child exited before it was killed: ${output}`);
        const [run] = runFolders(settings.tmpDir);
        return run !== undefined && recordedIndices(run).length >= atLeast;
      },
      `the child's journal records ${atLeast} successes`,
      60_000,
    );
    const grandchildren = childPids(child.pid);
    child.kill('SIGKILL');
    const [code, signal] = (await exited) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    // The killed call's workers follow it (they watch their parent); none may go on writing.
    await waitUntil(() => grandchildren.every((pid) => !isAlive(pid)), 'the killed call’s workers have exited', 15_000);
  } finally {
    killIfRunning(child);
  }
  const runs = runFolders(settings.tmpDir);
  expect(runs).toHaveLength(1);
  return runs[0] as string;
}

function killIfRunning(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function cleanRun(kwargsList: PackageGridKwargs[], options: MultiprocessingOptions = {}): Promise<Buffer> {
  const target = join(folder, 'clean.parts.jsonl');
  const result = await functionMultiprocessingDetailed(gridTask, kwargsList, target, { tmpDir: join(folder, 'clean-tmp'), ...options });
  expect(result.successes.every(Boolean)).toBe(true);
  return readFileSync(target);
}

describe('resume after kill -9', () => {
  test(
    'a call on a LocalCluster killed mid-way: resume runs only the unrecorded entries and writes the same bytes as a clean run',
    { timeout: 120_000 },
    async () => {
      const COUNT = 40;
      const kwargsList = gridKwargs(COUNT, 40);
      const tmpDir = join(folder, 'tmp');
      const target = join(folder, 'grids.parts.jsonl');
      const run = await runAndKill({ kwargsList, target, tmpDir, cluster: true }, 8);
      const recorded = recordedIndices(run);
      expect(recorded.length).toBeGreaterThanOrEqual(8);
      expect(recorded.length).toBeLessThan(COUNT); // really killed mid-way
      expect(existsSync(target)).toBe(false); // nothing was recombined

      const result = await functionMultiprocessingDetailed(gridTask, kwargsList, target, { tmpDir, resume: true, cleanUp: false });
      expect(result.successes).toEqual(Array.from({ length: COUNT }, () => true));
      expect(result.tmpFolder).toBe(run);
      expect(result.resumed).toMatchObject({ folder: run, recordedSuccesses: recorded.length, reused: recorded.length, ran: COUNT - recorded.length });
      const notRecorded = Array.from({ length: COUNT }, (_, index) => index).filter((index) => !recorded.includes(index));
      expect(startedBy(run, process.pid)).toEqual(notRecorded);

      expect(readFileSync(target)).toEqual(await cleanRun(kwargsList));
    },
  );

  test(
    'the next fresh call says how to resume; a resume while the run is live is refused; a resume after the kill finishes it and removes its folder',
    { timeout: 60_000 },
    async () => {
      const COUNT = 30;
      const kwargsList = gridKwargs(COUNT, 30);
      const tmpDir = join(folder, 'tmp');
      const target = join(folder, 'grids.parts.jsonl');

      // While the child runs, its run is live: resuming it would race it.
      const settingsFile = join(folder, 'live.json');
      writeFileSync(settingsFile, JSON.stringify({ kwargsList, target, tmpDir, cluster: false, resume: false }));
      const child = spawn(process.execPath, [RESUME_CHILD, settingsFile], { stdio: 'ignore' });
      try {
        await waitUntil(() => runFolders(tmpDir).some((run) => recordedIndices(run).length >= 2), 'the child has recorded 2 successes', 30_000);
        const refused = functionMultiprocessingDetailed(gridTask, kwargsList, target, { tmpDir, resume: true });
        await expect(refused).rejects.toBeInstanceOf(ConfigurationError);
        await expect(refused).rejects.toThrow(new RegExp(`is still running \\(process ${child.pid} on host .*\\); two runs into one combined file`));
      } finally {
        const exited = once(child, 'exit');
        killIfRunning(child);
        await exited;
      }
      const [interrupted] = runFolders(tmpDir) as [string];

      // A fresh call (no resume) starts afresh, and its log says what was left and how to finish it.
      const warnings: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        warnings.push(String(chunk));
        return true;
      });
      try {
        const fresh = await functionMultiprocessingDetailed(gridTask, kwargsList.slice(0, 2), join(folder, 'other.parts.jsonl'), { tmpDir });
        expect(fresh.resumed).toBeUndefined();
        expect(warnings).toEqual([]); // another combined file: not its business
        await functionMultiprocessingDetailed(gridTask, kwargsList.slice(0, 2), target, { tmpDir });
      } finally {
        spy.mockRestore();
      }
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`WARN  functionMultiprocessing: an interrupted run into ${target} left ${interrupted} (started `);
      expect(warnings[0]).toMatch(/, \d+ of 30 keyword sets done\)\. This call starts afresh; to finish the interrupted run instead, .* call again with \{ resume: true \}/);

      rmSync(target);
      const result = await functionMultiprocessingDetailed(gridTask, kwargsList, target, { tmpDir, resume: true });
      expect(result.resumed?.folder).toBe(interrupted);
      expect(result.resumed?.reused).toBeGreaterThanOrEqual(2);
      expect(runFolders(tmpDir)).toEqual([]); // the interrupted run's folder is removed (cleanUp)
      expect(readFileSync(target)).toEqual(await cleanRun(kwargsList));
    },
  );
});

describe('resume in the same process', () => {
  test('after a failed recombination: only changed keyword sets run again, and the file equals a clean run', { timeout: 30_000 }, async () => {
    const kwargsList = gridKwargs(6, 0);
    const tmpDir = join(folder, 'tmp');
    const target = join(folder, 'grids.parts.jsonl');
    writeFileSync(target, 'not json\n');
    const failed = functionMultiprocessingDetailed(gridTask, kwargsList, target, { tmpDir });
    await expect(failed).rejects.toBeInstanceOf(MultiprocessingError);
    await expect(failed).rejects.toThrow(/call again with \{ resume: true \}/);
    const [run] = runFolders(tmpDir) as [string];
    expect(recordedIndices(run)).toEqual([0, 1, 2, 3, 4, 5]);

    rmSync(target); // the fix
    for (const name of readdirSync(run).filter((n) => n.startsWith('started_'))) rmSync(join(run, name));
    const changed = kwargsList.map((kwargs, index) => (index === 4 ? { ...kwargs, ni: 9 } : kwargs));
    const result = await functionMultiprocessingDetailed(gridTask, changed, target, { tmpDir, resume: true, cleanUp: false });
    expect(result.resumed).toMatchObject({ folder: run, recordedSuccesses: 6, reused: 5, ran: 1 });
    expect(startedBy(run, process.pid)).toEqual([4]);
    expect(readFileSync(target)).toEqual(await cleanRun(changed));

    // A finished run is not resumed again: a second resume starts afresh (and adds nothing new).
    const before = readFileSync(target);
    const again = await functionMultiprocessingDetailed(gridTask, changed, target, { tmpDir, resume: true });
    expect(again.resumed).toBeUndefined();
    expect(readFileSync(target)).toEqual(before);
  });

  test('resume with no interrupted run simply runs, so a job script can always pass it', async () => {
    const tmpDir = join(folder, 'tmp');
    mkdirSync(tmpDir);
    const target = join(folder, 'grids.parts.jsonl');
    const result = await functionMultiprocessingDetailed(gridTask, gridKwargs(3, 0), target, { tmpDir, resume: true });
    expect(result.resumed).toBeUndefined();
    expect(result.successes).toEqual([true, true, true]);
    expect(readFileSync(target)).toEqual(await cleanRun(gridKwargs(3, 0)));
  });
});
