/**
 * `flotilla submit` on the real single-node SLURM testbed: salloc, sbatch, srun --overlap and scontrol
 * run for real; the scheduler and worker are this folder's stand-ins (fixtures/), so these tests check the
 * orchestration layer alone. Needs the compiled code in dist/ (`npm test` builds first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { skipUnless, slurmStatus } from '../hpc/testbed.js';
import { isAlive, makeScratch, waitFor } from './helpers.js';

const CLI = fileURLToPath(new URL('./fixtures/flotilla-with-stand-ins.mjs', import.meta.url));
const COMPILED = fileURLToPath(new URL('../../dist/src/submit/index.js', import.meta.url));

let scratch: ReturnType<typeof makeScratch>;
let jobName: string;

beforeEach(() => {
  scratch = makeScratch();
  jobName = `flotilla-submit-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  if (process.env['FLOTILLA_SUBMIT_MODULE'] === undefined && !existsSync(COMPILED)) {
    throw new Error(`${COMPILED} is missing: run \`npm run build\` first (npm test does)`);
  }
});

afterEach(() => {
  // Whatever happened, leave no job of ours behind.
  spawnSync('scancel', ['--name', jobName], { timeout: 10_000 });
  scratch.cleanup();
});

/** A site file naming the job uniquely and passing the stand-ins their extra flags. */
function siteFile(extra = ''): string {
  const file = join(scratch.dir, 'site.yaml');
  writeFileSync(
    file,
    `interactive:\n  salloc:\n    job-name: ${jobName}\n` +
      `batch:\n  sbatch:\n    job-name: ${jobName}\n    output: ${join(scratch.dir, 'job-%j.out')}\n    wait: true\n` +
      `worker:\n  args: ["--ready-dir=${scratch.readyDir}"]\n` +
      `scheduler:\n  args: ["--pid-file=${join(scratch.dir, 'scheduler.pid')}"]\n${extra}`,
  );
  return file;
}

/** The user's command: records what it sees, then exits with 5 (or waits for a signal with `wait`). */
function commandScript(mode: 'exit' | 'wait'): string {
  const script = join(scratch.dir, 'command.sh');
  const seen = join(scratch.dir, 'seen');
  writeFileSync(
    script,
    [
      '#!/bin/bash',
      `echo "$FLOTILLA_SCHEDULER_ADDRESS $SLURM_JOB_ID $(hostname)" > ${seen}.tmp && mv ${seen}.tmp ${seen}`,
      mode === 'exit' ? 'exit 5' : 'for i in $(seq 600); do sleep 0.1; done; exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  return script;
}

interface Finished {
  code: number | null;
  stderr: string;
}

function runCli(args: string[]): { done: Promise<Finished>; pid: number | undefined } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: scratch.dir,
    env: { ...process.env, FAKE_READY_DIR: scratch.readyDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Finished>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  return { done, pid: child.pid };
}

/** The job's final state while SLURM still remembers it (MinJobAge), e.g. FAILED. */
function jobState(jobId: string): string {
  return spawnSync('squeue', ['-t', 'all', '-h', '-j', jobId, '-o', '%T'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
}

function runningJobsNamed(name: string): string {
  return spawnSync('squeue', ['-h', '-n', name, '-o', '%i %T'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
}

/** The stand-ins still alive: the scheduler (pid file) and the workers (ready files). */
function leftoverStandIns(): number[] {
  const pids = readdirSync(scratch.readyDir).map((file) => JSON.parse(readFileSync(join(scratch.readyDir, file), 'utf8')).pid as number);
  const schedulerPid = join(scratch.dir, 'scheduler.pid');
  if (existsSync(schedulerPid)) pids.push(Number(readFileSync(schedulerPid, 'utf8')));
  return pids.filter(isAlive);
}

function seen(): { address: string; jobId: string; host: string } {
  const [address = '', jobId = '', host = ''] = readFileSync(join(scratch.dir, 'seen'), 'utf8').trim().split(' ');
  return { address, jobId, host };
}

describe.skipIf(skipUnless(slurmStatus()))('flotilla submit on SLURM (stand-in scheduler and workers)', () => {
  it('interactive: runs the command beside one worker, returns its exit code, leaves nothing behind', async () => {
    const result = await runCli(['submit', '-N', '1', '--config', siteFile(), '--', commandScript('exit')]).done;
    expect(result.code).toBe(5);
    const { address, jobId, host } = seen();
    expect(address).toMatch(new RegExp(`^tcp://${host}:\\d+$`));
    // The worker step ran beside the command's step, which needs --overlap (and --mem=0, see commands.ts).
    expect(result.stderr).toContain(`[flotilla] srun --nodes=1 --ntasks=1 -w ${host} --overlap --mem=0 `);
    expect(readdirSync(scratch.readyDir)).toEqual([`${host}-0.0.ready`]);
    await waitFor(() => runningJobsNamed(jobName) === '', 30_000, `job ${jobName} to leave squeue (slurmctld may show it COMPLETING a moment after salloc returns)`);
    expect(jobState(jobId)).toBe('FAILED');
    expect(leftoverStandIns()).toEqual([]);
  });

  it('batch: the generated script runs the same way under sbatch --wait', async () => {
    const result = await runCli(['submit', '-N', '1', '--batch', '--config', siteFile(), '--', commandScript('exit')]).done;
    expect(result.code).toBe(5);
    const { address, jobId, host } = seen();
    expect(address).toMatch(new RegExp(`^tcp://${host}:\\d+$`));
    const output = readFileSync(join(scratch.dir, `job-${jobId}.out`), 'utf8');
    expect(output).toContain('[flotilla] 1 worker ready');
    expect(output).toContain('[flotilla] the command exited with code 5');
    await waitFor(() => runningJobsNamed(jobName) === '', 30_000, `job ${jobName} to leave squeue (slurmctld may show it COMPLETING a moment after salloc returns)`);
    expect(leftoverStandIns()).toEqual([]);
  });

  it('Ctrl-C (SIGINT to the command step srun) stops the command and tears the job down', async () => {
    const run = runCli(['submit', '-N', '1', '--config', siteFile(), '--', commandScript('wait')]);
    await waitFor(() => existsSync(join(scratch.dir, 'seen')), 30_000, 'the command to start');
    const { jobId } = seen();
    // A terminal sends Ctrl-C to the foreground process group, which salloc gives to its srun.
    const group = findProcessGroup((argv) => argv[0] === 'srun' && argv.includes('--quit-on-interrupt') && argv.includes(`--worker-arg=--ready-dir=${scratch.readyDir}`));
    process.kill(-group, 'SIGINT');
    const result = await run.done;
    // srun --quit-on-interrupt forwards SIGINT to the step, then ends it at once: the command may or may
    // not get to run its trap first, so only the outcome is checked.
    expect(result.code).toBe(137);
    await waitFor(() => runningJobsNamed(jobName) === '', 30_000, `job ${jobId} to leave squeue`);
    await waitFor(() => leftoverStandIns().length === 0, 30_000, 'the stand-ins to end');
  });
});

const REAL_CLI = fileURLToPath(new URL('../../dist/src/cli/flotilla.js', import.meta.url));
const COMPUTE = fileURLToPath(new URL('./fixtures/compute-and-exit.mjs', import.meta.url));

describe.skipIf(skipUnless(slurmStatus()))('flotilla submit on SLURM with the real scheduler, worker and client', () => {
  it('runs a script that computes on the workers and fails on purpose: exit code back, nothing left', async () => {
    if (!existsSync(REAL_CLI)) throw new Error(`${REAL_CLI} is missing: run \`npm run build\` first (npm test does)`);
    const resultFile = join(scratch.dir, 'result.json');
    // Every process runs in our scratch folder (and the workers' local directory lies in it), which makes
    // leftovers findable in /proc.
    const config = join(scratch.dir, 'real.yaml');
    writeFileSync(config, `interactive:\n  salloc:\n    job-name: ${jobName}\nworker:\n  args:\n    local-directory: ${join(scratch.dir, 'workers')}\n`);
    const child = spawn(process.execPath, [REAL_CLI, 'submit', '-N', '1', '--workers-per-node', '2', '--nthreads', '1', '--config', config, '--', process.execPath, COMPUTE, resultFile, '3', '--compute'], {
      cwd: scratch.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect({ code, output }).toMatchObject({ code: 3 });
    const result = JSON.parse(readFileSync(resultFile, 'utf8'));
    expect(result.squares).toEqual([1, 4, 9, 16]);
    expect([...result.workers].sort()).toEqual([expect.stringMatching(/-0-0$/), expect.stringMatching(/-0-1$/)]);
    await waitFor(() => runningJobsNamed(jobName) === '', 30_000, `job ${jobName} to leave squeue (slurmctld may show it COMPLETING a moment after salloc returns)`);
    expect(processesMentioning(scratch.dir)).toEqual([]);
  });
});

/** Live processes whose command line mentions `marker` or whose working directory lies in it. */
function processesMentioning(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const mentions = readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) || readlinkSync(`/proc/${pid}/cwd`).startsWith(marker);
        return mentions && isAlive(Number(pid));
      } catch {
        // It ended while we looked: not running.
        return false;
      }
    })
    .map(Number);
}

/** The process group of the live processes whose argument vectors match (srun runs as two processes). */
function findProcessGroup(matches: (argv: string[]) => boolean): number {
  const groups = new Set<number>();
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (!matches(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1))) continue;
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so split after ')'.
      const afterComm = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '';
      groups.add(Number(afterComm.split(' ')[2]));
    } catch {
      // It ended while we looked: not the one.
    }
  }
  if (groups.size !== 1) throw new Error(`expected the matching processes in one process group, found ${groups.size}`);
  return [...groups][0] ?? 0;
}
