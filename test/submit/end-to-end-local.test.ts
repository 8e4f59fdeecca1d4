/**
 * The whole in-allocation path with the real flotilla-scheduler, flotilla-worker and Client (compiled in
 * dist/: `npm test` builds first), on 127.0.0.1. Only srun is left out: the worker step runs directly,
 * because SLURM is not part of this test (see the SLURM integration tests for that).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInAllocation } from '../../src/submit/allocation-driver.js';
import { resolveRuntimePaths } from '../../src/submit/runtime-paths.js';
import { connectWorkerReadiness } from '../../src/submit/worker-readiness-adapter.js';
import { isAlive, lineLog, makeScratch } from './helpers.js';

const COMMAND = fileURLToPath(new URL('./fixtures/compute-and-exit.mjs', import.meta.url));

let scratch: ReturnType<typeof makeScratch>;
beforeEach(() => {
  scratch = makeScratch();
});
afterEach(() => {
  scratch.cleanup();
});

/** Live processes whose command line mentions `marker` (our unique temporary directory). */
function processesMentioning(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        // The process ended while we were listing: it is not running.
        return false;
      }
    })
    .map(Number)
    .filter(isAlive);
}

describe('runInAllocation with the real scheduler, worker and client', () => {
  it('computes on the workers found through Client.connect(), returns the exit code and leaves no process behind', async () => {
    const runtime = resolveRuntimePaths();
    for (const file of [runtime.schedulerCli, runtime.workerCli]) {
      if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
    }
    const resultFile = join(scratch.dir, 'result.json');
    const { log, lines } = lineLog();
    const code = await runInAllocation(
      {
        workersPerNode: 2,
        nthreads: 1,
        timeoutSeconds: 30,
        schedulerHost: '127.0.0.1',
        // Unique paths on both command lines, so that leftovers of this test can be found in /proc.
        schedulerArgs: [`--address-file=${join(scratch.dir, 'scheduler-address')}`],
        workerSrunArgs: [],
        workerArgs: [`--local-directory=${join(scratch.dir, 'workers')}`, '--death-timeout=20'],
        command: [process.execPath, COMMAND, resultFile, '3', '--compute'],
      },
      {
        runtime,
        connectReadiness: connectWorkerReadiness,
        log,
        stopGraceMs: 10_000,
        env: process.env,
        listHosts: async () => ({ all: ['localhost'], own: 'localhost' }),
        signal: new AbortController().signal,
        wrapWorkerStep: (_placement, command) => [...command],
      },
    );
    expect(code).toBe(3);
    const result = JSON.parse(readFileSync(resultFile, 'utf8'));
    expect(result.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(readFileSync(join(scratch.dir, 'scheduler-address'), 'utf8').trim()).toBe(result.address);
    expect([...result.workers].sort()).toEqual(['localhost-0-0', 'localhost-0-1']);
    expect(result.squares).toEqual([1, 4, 9, 16]);
    expect(lines).toContain('2 workers ready');
    expect(lines).toContain('the command exited with code 3');
    expect(processesMentioning(scratch.dir)).toEqual([]);
  });
});
