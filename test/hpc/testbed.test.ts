/**
 * Smoke tests of the HPC testbed itself: a real job through SLURM, through Grid Engine,
 * and through the Torque wrappers over SLURM, each reaching its end with the expected
 * output. They skip when the testbed is not up, and fail under CI=true.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  TORQUE_BIN,
  TestbedUnavailableError,
  sgeStatus,
  skipUnless,
  slurmStatus,
  torqueStatus,
  type TestbedStatus,
} from './testbed.js';

const WAIT_MS = 60_000;
const POLL_MS = 200;
const TEST_TIMEOUT_MS = 90_000;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command without a shell, bounded to 30 s. */
function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, ...options });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runOk(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${[command, ...args].join(' ')} exited with ${String(result.status)}: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/** Poll `probe` until it returns a value other than undefined; fail after `timeoutMs`, saying what was last seen. */
async function waitFor<T>(what: string, probe: () => T | undefined, describeLast: () => string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${describeLast()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function uniqueName(system: string): string {
  return `flotilla_smoke_${system}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

const tempDirs: string[] = [];
const cleanups: Array<() => void> = [];

function makeTempDir(system: string): string {
  const dir = mkdtempSync(join(tmpdir(), `flotilla-testbed-${system}-`));
  tempDirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) {
    try {
      cleanup();
    } catch {
      // Best effort: the job may already be gone.
    }
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function slurmJobState(jobId: string): string {
  return run('squeue', ['-t', 'all', '-h', '-j', jobId, '-o', '%T']).stdout.trim();
}

const SLURM_FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED']);

function waitForSlurmEnd(jobId: string): Promise<string> {
  return waitFor(
    `SLURM job ${jobId} to end`,
    () => {
      const state = slurmJobState(jobId);
      return SLURM_FINAL_STATES.has(state) ? state : undefined;
    },
    () => slurmJobState(jobId) || '(not listed)',
  );
}

describe('skipUnless', () => {
  const down: TestbedStatus = { available: false, reason: 'probe said no' };
  const up: TestbedStatus = { available: true, reason: 'all fine' };

  function withCi<T>(value: string | undefined, body: () => T): T {
    const saved = process.env['CI'];
    if (value === undefined) delete process.env['CI'];
    else process.env['CI'] = value;
    try {
      return body();
    } finally {
      if (saved === undefined) delete process.env['CI'];
      else process.env['CI'] = saved;
    }
  }

  it('does not skip when the testbed part is available, even under CI', () => {
    expect(withCi(undefined, () => skipUnless(up))).toBe(false);
    expect(withCi('true', () => skipUnless(up))).toBe(false);
  });

  it('skips when unavailable outside CI', () => {
    expect(withCi(undefined, () => skipUnless(down))).toBe(true);
    expect(withCi('false', () => skipUnless(down))).toBe(true);
  });

  it('throws under CI=true when unavailable, naming the reason', () => {
    expect(() => withCi('true', () => skipUnless(down))).toThrow(TestbedUnavailableError);
    expect(() => withCi('true', () => skipUnless(down))).toThrow(/probe said no/);
  });
});

describe.skipIf(skipUnless(slurmStatus()))('SLURM testbed', () => {
  it(
    'runs an sbatch job to COMPLETED and writes its output file',
    async () => {
      const dir = makeTempDir('slurm');
      const name = uniqueName('slurm');
      writeFileSync(join(dir, 'job.sh'), '#!/bin/bash\necho "hello from SLURM job $SLURM_JOB_ID named $SLURM_JOB_NAME"\n');
      const submitted = runOk('sbatch', ['--parsable', '-J', name, '-D', dir, '-o', join(dir, 'out-%j.txt'), join(dir, 'job.sh')]);
      const jobId = submitted.trim().split(';')[0] ?? '';
      expect(jobId).toMatch(/^\d+$/);
      cleanups.push(() => run('scancel', [jobId]));

      expect(await waitForSlurmEnd(jobId)).toBe('COMPLETED');
      const output = readFileSync(join(dir, `out-${jobId}.txt`), 'utf8');
      expect(output).toBe(`hello from SLURM job ${jobId} named ${name}\n`);
    },
    TEST_TIMEOUT_MS,
  );
});

describe.skipIf(skipUnless(sgeStatus()))('Grid Engine testbed', () => {
  it(
    'runs a qsub job until qstat no longer knows it and writes its .o file',
    async () => {
      const dir = makeTempDir('sge');
      const name = uniqueName('sge');
      writeFileSync(join(dir, 'job.sh'), '#!/bin/bash\necho "hello from SGE job $JOB_ID named $JOB_NAME"\n');
      const jobId = runOk('qsub', ['-terse', '-N', name, '-cwd', 'job.sh'], { cwd: dir }).trim();
      expect(jobId).toMatch(/^\d+$/);
      cleanups.push(() => run('qdel', [jobId]));

      await waitFor(
        `SGE job ${jobId} to leave qstat`,
        () => (run('qstat', ['-j', jobId]).status === 0 ? undefined : true),
        () => run('qstat', ['-j', jobId]).stdout.split('\n').slice(0, 3).join(' | '),
      );
      const output = readFileSync(join(dir, `${name}.o${jobId}`), 'utf8');
      expect(output).toBe(`hello from SGE job ${jobId} named ${name}\n`);
      expect(readFileSync(join(dir, `${name}.e${jobId}`), 'utf8')).toBe('');
    },
    TEST_TIMEOUT_MS,
  );
});

describe.skipIf(skipUnless(torqueStatus()))('Torque wrappers over SLURM', () => {
  const torqueEnv = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${TORQUE_BIN}:${process.env['PATH'] ?? ''}` });
  const torque = (command: string): string => join(TORQUE_BIN, command);

  it(
    'runs a #PBS script from qsub to state C with its output file',
    async () => {
      const dir = makeTempDir('torque');
      const name = uniqueName('pbs');
      writeFileSync(
        join(dir, 'job.pbs'),
        `#!/bin/bash\n#PBS -N ${name}\n#PBS -l walltime=00:05:00\n#PBS -l nodes=1:ppn=1\necho "hello from PBS job $SLURM_JOB_ID"\n`,
      );
      const jobId = runOk(torque('qsub'), ['job.pbs'], { cwd: dir, env: torqueEnv() }).trim();
      expect(jobId).toMatch(/^\d+$/);
      cleanups.push(() => run(torque('qdel'), [jobId], { env: torqueEnv() }));

      const jobState = (): string => {
        const full = run(torque('qstat'), ['-f', jobId], { env: torqueEnv() }).stdout;
        return /job_state = (\w+)/.exec(full)?.[1] ?? '';
      };
      expect(jobState()).toMatch(/^[QRC]$/);
      await waitFor(`PBS job ${jobId} to reach state C`, () => (jobState() === 'C' ? true : undefined), jobState);

      expect(slurmJobState(jobId)).toBe('COMPLETED');
      const listing = runOk(torque('qstat'), [], { env: torqueEnv() });
      expect(listing).toMatch(new RegExp(`^${jobId}\\s+\\S+\\s+root\\s+\\S+\\s+C\\s`, 'm'));
      // The wrappers name output files after the script, not the job name (unlike real Torque).
      const output = readFileSync(join(dir, `job.pbs.o${jobId}`), 'utf8');
      expect(output).toBe(`hello from PBS job ${jobId}\n`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'cancels a running job with qdel',
    async () => {
      const dir = makeTempDir('torque');
      const name = uniqueName('pbsdel');
      writeFileSync(join(dir, 'sleep.pbs'), `#!/bin/bash\n#PBS -N ${name}\n#PBS -l walltime=00:05:00\nsleep 300\n`);
      const jobId = runOk(torque('qsub'), ['sleep.pbs'], { cwd: dir, env: torqueEnv() }).trim();
      expect(jobId).toMatch(/^\d+$/);
      cleanups.push(() => run('scancel', [jobId]));

      runOk(torque('qdel'), [jobId], { env: torqueEnv() });
      expect(await waitForSlurmEnd(jobId)).toBe('CANCELLED');
    },
    TEST_TIMEOUT_MS,
  );
});
