/**
 * examples/submit-allocation.ts, compiled to dist/examples/submit-allocation.js (`npm test` builds first),
 * run the two ways the README shows, without changing it: plainly (a LocalCluster of its own) and as the
 * command of `flotilla submit -N 1` on the SLURM testbed (the allocation's scheduler, found through
 * FLOTILLA_SCHEDULER_ADDRESS), including `--fail`, whose exit code must come back through salloc and srun.
 *
 * Every run's working directory is a fresh scratch folder holding a `dist` symlink to the build, so the
 * commands are literally the documented ones (`node dist/examples/submit-allocation.js`) and every process
 * they start has its working directory in the scratch folder, which makes leftovers findable in /proc.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { skipUnless, slurmStatus } from '../hpc/testbed.js';
import { isAlive, makeScratch, waitFor } from './helpers.js';

const BUILD = resolve('dist');
const EXAMPLE = 'dist/examples/submit-allocation.js';
const FLOTILLA = 'dist/src/cli/flotilla.js';
/** The longest a single run may take before it is killed and the test fails. */
const RUN_LIMIT_MS = 90_000;

let scratch: ReturnType<typeof makeScratch>;
let jobName: string;

beforeEach(() => {
  for (const file of [EXAMPLE, FLOTILLA]) {
    if (!existsSync(join(BUILD, '..', file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  }
  scratch = makeScratch();
  symlinkSync(BUILD, join(scratch.dir, 'dist'), 'dir');
  jobName = `flotilla-example-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
});

afterEach(() => {
  // Whatever happened, leave no job of ours behind (without SLURM, spawnSync only reports ENOENT).
  spawnSync('scancel', ['--name', jobName], { timeout: 10_000 });
  scratch.cleanup();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `args` with Node.js in the scratch folder; SIGKILL after {@link RUN_LIMIT_MS}. */
function runNode(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  const child = spawn(process.execPath, [...args], { cwd: scratch.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  return new Promise<Run>((done) =>
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      done({ code, signal, stdout, stderr });
    }),
  );
}

/** The environment of a plain run: no scheduler address, so Client.connect() starts a LocalCluster. */
function localEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['FLOTILLA_SCHEDULER_ADDRESS'];
  delete env['FLOTILLA_MODE'];
  return env;
}

/** What the example printed on stdout, taken apart. */
function parseOutput(stdout: string): { address: string; where: string; workerCount: number; workers: string[]; integral: number } {
  const connected = /^connected to ((?:tcp|ipc):\/\/\S+): (.+), (\d+) worker\(s\)$/m.exec(stdout);
  const workers = /^workers: (.*)$/m.exec(stdout);
  const integral = /^integral of 4\/\(1\+x\^2\) over \[0, 1\] with 32 sub-intervals: (\d+\.\d+) \(error \S+\) in \d+\.\d+ s$/m.exec(stdout);
  if (connected === null || workers === null || integral === null) throw new Error(`unexpected output of the example:\n${stdout}`);
  return {
    address: connected[1] ?? '',
    where: connected[2] ?? '',
    workerCount: Number(connected[3]),
    workers: (workers[1] ?? '').split(', '),
    integral: Number(integral[1]),
  };
}

/** Live processes whose working directory lies in `folder` or whose command line mentions it. */
function processesIn(folder: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const inside = readlinkSync(`/proc/${pid}/cwd`).startsWith(folder) || readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder);
        return inside && isAlive(Number(pid));
      } catch {
        // It ended while we looked: not running.
        return false;
      }
    })
    .map(Number);
}

describe('examples/submit-allocation.ts on a LocalCluster (no FLOTILLA_SCHEDULER_ADDRESS)', () => {
  it('starts its own LocalCluster, integrates 4/(1+x^2) to pi on its workers, exits 0 and leaves no process', async () => {
    const run = await runNode([EXAMPLE], localEnv());
    expect(run, run.stderr).toMatchObject({ code: 0, signal: null });
    const output = parseOutput(run.stdout);
    expect(output.address).toMatch(/^ipc:\/\/\/.+\/scheduler$/);
    expect(output.where).toBe('a LocalCluster started by this script');
    expect(output.workerCount).toBeGreaterThanOrEqual(1);
    expect(output.workers).toHaveLength(output.workerCount);
    expect(Math.abs(output.integral - Math.PI)).toBeLessThan(1e-12);
    expect(run.stdout).not.toContain('--fail');
    expect(processesIn(scratch.dir)).toEqual([]);
  });

  it('--fail: prints the same result, then exits with 3; other arguments are refused with 2', async () => {
    const failed = await runNode([EXAMPLE, '--fail'], localEnv());
    expect(failed, failed.stderr).toMatchObject({ code: 3, signal: null });
    expect(Math.abs(parseOutput(failed.stdout).integral - Math.PI)).toBeLessThan(1e-12);
    expect(failed.stdout).toMatch(/^--fail: exiting with code 3 on purpose$/m);

    const refused = await runNode([EXAMPLE, '--nodes=2'], localEnv());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('unknown argument(s) "--nodes=2"; the only option is --fail');
    expect(refused.stdout).toBe('');
    expect(processesIn(scratch.dir)).toEqual([]);
  });
});

/** Jobs of this test still pending or running. */
function jobsNamed(name: string): string {
  return spawnSync('squeue', ['-h', '-n', name, '-o', '%i %T'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
}

/** A finished job's state while SLURM remembers it (MinJobAge), e.g. COMPLETED or FAILED. */
function jobState(jobId: string): string {
  return spawnSync('squeue', ['-t', 'all', '-h', '-j', jobId, '-o', '%T'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
}

/** `flotilla submit -N 1 --config <site file naming the job> -- node dist/examples/submit-allocation.js [args]`. */
function submitExample(exampleArgs: readonly string[]): Promise<Run> {
  const config = join(scratch.dir, 'site.yaml');
  writeFileSync(config, `interactive:\n  salloc:\n    job-name: ${jobName}\nworker:\n  args:\n    local-directory: ${join(scratch.dir, 'workers')}\n`);
  return runNode([FLOTILLA, 'submit', '-N', '1', '--config', config, '--', process.execPath, EXAMPLE, ...exampleArgs]);
}

/** The allocation's job id and the scheduler address flotilla started, from flotilla's and salloc's stderr. */
function allocationOf(stderr: string): { jobId: string; address: string } {
  const granted = /^salloc: Granted job allocation (\d+)$/m.exec(stderr);
  const listening = /^\[flotilla\] scheduler listening at (tcp:\/\/\S+)$/m.exec(stderr);
  if (granted === null || listening === null) throw new Error(`flotilla submit did not report the allocation and the scheduler:\n${stderr}`);
  return { jobId: granted[1] ?? '', address: listening[1] ?? '' };
}

describe.skipIf(skipUnless(slurmStatus()))('examples/submit-allocation.ts through flotilla submit -N 1 on SLURM', () => {
  it("runs on the allocation's scheduler and worker (not a LocalCluster), exits 0, leaves nothing in squeue", async () => {
    const run = await submitExample([]);
    expect(run, run.stderr).toMatchObject({ code: 0, signal: null });
    const { jobId, address } = allocationOf(run.stderr);
    const output = parseOutput(run.stdout);
    // The example's Client.connect() found the scheduler flotilla started, through FLOTILLA_SCHEDULER_ADDRESS.
    expect(output.address).toBe(address);
    expect(output.where).toBe(`the allocation's scheduler (SLURM job ${jobId})`);
    expect(output.workerCount).toBe(1);
    expect(output.workers).toEqual([expect.stringMatching(/^\S+-0$/)]);
    expect(Math.abs(output.integral - Math.PI)).toBeLessThan(1e-12);
    expect(run.stderr).toContain('[flotilla] the command exited with code 0');
    await waitFor(() => jobsNamed(jobName) === '', 30_000, `job ${jobName} to leave squeue (slurmctld may show it COMPLETING a moment after salloc returns)`);
    expect(jobState(jobId)).toBe('COMPLETED');
    expect(processesIn(scratch.dir)).toEqual([]);
  }, 120_000);

  it('--fail: the exit code 3 comes back through salloc and srun, the job is FAILED and gone from squeue', async () => {
    const run = await submitExample(['--fail']);
    expect(run, run.stderr).toMatchObject({ code: 3, signal: null });
    const { jobId } = allocationOf(run.stderr);
    expect(Math.abs(parseOutput(run.stdout).integral - Math.PI)).toBeLessThan(1e-12);
    expect(run.stderr).toContain('[flotilla] the command exited with code 3');
    expect(run.stderr).toContain('[flotilla] salloc exited with code 3');
    await waitFor(() => jobsNamed(jobName) === '', 30_000, `job ${jobName} to leave squeue (slurmctld may show it COMPLETING a moment after salloc returns)`);
    expect(jobState(jobId)).toBe('FAILED');
    expect(processesIn(scratch.dir)).toEqual([]);
  }, 120_000);
});
