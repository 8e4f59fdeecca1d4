/**
 * Submit, status and cancel through the real SLURM and Grid Engine adapters, on the testbed that
 * `scripts/testbed/testbed-up.sh` starts. Skipped with the reason when a system is not up
 * (a failure under CI=true; see test/hpc/testbed.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { pbs, sge, slurm } from '../../cluster-adapters/index.js';
import { JobSubmissionError } from '../../src/errors/index.js';
import {
  JobTracker,
  cancelJobs,
  jobHeader,
  jobStatusReports,
  submitJob,
  type BatchSystem,
  type JobTransition,
  type ResolvedJobOptions,
} from '../../src/jobqueue/index.js';
import { TORQUE_BIN, sgeStatus, skipUnless, slurmStatus, torqueStatus } from '../hpc/testbed.js';
import { resolveIsolated, temporaryDirectory, waitFor } from './helpers.js';

/** Jobs submitted by the current test, cancelled afterwards whatever happened. */
const submitted: Array<{ system: BatchSystem; job: ResolvedJobOptions; id: string; env: NodeJS.ProcessEnv | undefined }> = [];
afterEach(async () => {
  for (const { system, job, id, env } of submitted.splice(0)) await cancelJobs(system, [id], { job, env });
});

async function submit(system: BatchSystem, job: ResolvedJobOptions, body: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const script = `#!/usr/bin/env bash\n${jobHeader(system, job)}\n${body}\n`;
  const id = await submitJob(system, script, { job, env });
  submitted.push({ system, job, id, env });
  return id;
}

async function pollUntil(jobs: JobTracker, jobId: string, states: string[], seen: JobTransition[]): Promise<void> {
  await waitFor(
    `job ${jobId} to reach ${states.join(' or ')} (last: ${jobs.describe(jobId)})`,
    async () => {
      seen.push(...(await jobs.poll()));
      return states.includes(jobs.get(jobId)?.state ?? '') ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
}

describe.skipIf(skipUnless(slurmStatus()))('SLURM adapter on the testbed', () => {
  const jobFor = (directory: string, extra: Record<string, unknown> = {}) =>
    resolveIsolated(
      slurm,
      { cores: 1, memory: '512 MB', walltime: '00:05:00', jobName: uniqueName('fq-slurm'), logDirectory: join(directory, 'logs'), ...extra },
      { cwd: directory },
    );

  test('a job runs with the generated directives and ends COMPLETED; its output is where outputFiles says', async () => {
    const directory = temporaryDirectory();
    const job = jobFor(directory);
    const id = await submit(slurm, job, 'echo "hello from $SLURM_JOB_ID on $SLURM_JOB_PARTITION"');
    expect(id).toMatch(/^\d+$/);
    const jobs = new JobTracker(slurm, job);
    jobs.add(id);
    const seen: JobTransition[] = [];
    await pollUntil(jobs, id, ['finished', 'failed'], seen);
    expect(jobs.get(id)).toMatchObject({ state: 'finished', native: 'COMPLETED' });
    const files = slurm.outputFiles(job, id);
    expect(readFileSync(files.stdout, 'utf8')).toBe(`hello from ${id} on debug\n`);
    expect(existsSync(files.stderr)).toBe(true);
  });

  test('a running job is cancelled and ends as finished (CANCELLED); cancelling it again is harmless', async () => {
    const directory = temporaryDirectory();
    const job = jobFor(directory);
    const id = await submit(slurm, job, 'sleep 300');
    const jobs = new JobTracker(slurm, job);
    jobs.add(id);
    const seen: JobTransition[] = [];
    await pollUntil(jobs, id, ['running'], seen);
    jobs.markCancelled(id);
    await cancelJobs(slurm, [id], { job });
    await pollUntil(jobs, id, ['finished'], seen);
    expect(jobs.get(id)).toMatchObject({ state: 'finished', native: 'CANCELLED' });
    expect((await jobStatusReports(slurm, [id], { job })).get(id)).toEqual({ state: 'failed', native: 'CANCELLED' });
    await expect(cancelJobs(slurm, [id, '999999'], { job })).resolves.toBeUndefined();
  });

  test('a job that fails before any worker connects is reported FAILED with its output files', async () => {
    const directory = temporaryDirectory();
    const job = jobFor(directory);
    const id = await submit(slurm, job, 'echo "no node here" >&2; exit 3');
    const jobs = new JobTracker(slurm, job);
    jobs.add(id);
    const seen: JobTransition[] = [];
    await pollUntil(jobs, id, ['failed'], seen);
    const files = slurm.outputFiles(job, id);
    expect(seen.at(-1)).toMatchObject({
      to: 'failed',
      native: 'FAILED',
      message: `job ${id} ended (FAILED) before its workers connected; see ${files.stderr} and ${files.stdout}`,
    });
    expect(readFileSync(files.stderr, 'utf8')).toBe('no node here\n');
  });

  test('a submission SLURM refuses rejects with the command, exit code and stderr', async () => {
    const directory = temporaryDirectory();
    const job = jobFor(directory, { memory: '10 TB' });
    const attempt = submit(slurm, job, 'true');
    await expect(attempt).rejects.toBeInstanceOf(JobSubmissionError);
    const error = (await attempt.catch((e: unknown) => e)) as JobSubmissionError;
    expect(error.command.slice(0, 2)).toEqual(['sbatch', '--parsable']);
    expect(error.exitCode).toBe(1);
    expect(error.stderr).toContain('Requested node configuration is not available');
  });

  test('ids SLURM no longer knows are unknown, not errors', async () => {
    const job = jobFor(temporaryDirectory());
    expect(await jobStatusReports(slurm, ['99999999'], { job })).toEqual(
      new Map([['99999999', { state: 'unknown', native: 'not listed' }]]),
    );
  });
});

describe.skipIf(skipUnless(sgeStatus()))('Grid Engine adapter on the testbed', () => {
  const jobFor = (directory: string) =>
    resolveIsolated(
      sge,
      { cores: 1, memory: '512 MB', walltime: '00:05:00', jobName: uniqueName('fq-sge'), logDirectory: join(directory, 'logs'), resourceSpec: 'h_vmem=2G' },
      { cwd: directory },
    );

  test('a job runs with the generated directives; $JOB_ID in -o/-e is expanded; it leaves qstat when done', async () => {
    const directory = temporaryDirectory();
    const job = jobFor(directory);
    const id = await submit(sge, job, 'echo "hello from $JOB_ID in $PWD under $BASH_VERSION"');
    const jobs = new JobTracker(sge, job);
    jobs.add(id);
    const seen: JobTransition[] = [];
    await pollUntil(jobs, id, ['finished', 'failed'], seen);
    expect(jobs.get(id)).toMatchObject({ state: 'finished', native: 'no longer listed by qstat' });
    const files = sge.outputFiles(job, id);
    expect(readFileSync(files.stdout, 'utf8')).toMatch(new RegExp(`^hello from ${id} in ${directory} under 5\\.`));
  });

  test('a running job is cancelled; qdel of a job that no longer exists is tolerated', async () => {
    const directory = temporaryDirectory();
    const job = jobFor(directory);
    const id = await submit(sge, job, 'sleep 300');
    const jobs = new JobTracker(sge, job);
    jobs.add(id);
    const seen: JobTransition[] = [];
    await pollUntil(jobs, id, ['running'], seen);
    jobs.markCancelled(id);
    await cancelJobs(sge, [id], { job });
    await pollUntil(jobs, id, ['finished'], seen);
    expect(jobs.get(id)?.cancelRequested).toBe(true);
    await expect(cancelJobs(sge, [id], { job })).resolves.toBeUndefined();
    await expect(cancelJobs(sge, [id, '99999999'], { job })).resolves.toBeUndefined();
  });
});

describe.skipIf(skipUnless(torqueStatus()))('PBS adapter through the Torque wrappers over SLURM', () => {
  // The wrappers emulate Torque: ids without a server suffix, output files named after the script
  // in the submit directory (so outputFiles is not checked here), and qdel/qstat silent on unknown ids.
  const env = { ...process.env, PATH: `${TORQUE_BIN}:${process.env.PATH ?? ''}` };
  const jobFor = (directory: string) =>
    resolveIsolated(
      pbs,
      { cores: 1, memory: '512 MB', walltime: '00:05:00', jobName: uniqueName('fq-pbs'), logDirectory: join(directory, 'logs') },
      { cwd: directory },
    );

  test('a job runs and ends (C); a running job (R) is cancelled; unknown and ended ids are tolerated', async () => {
    const directory = temporaryDirectory();
    const job = jobFor(directory);
    const jobs = new JobTracker(pbs, job, { env });
    const quick = await submit(pbs, job, 'echo done', env);
    const long = await submit(pbs, job, 'sleep 300', env);
    jobs.add(quick);
    jobs.add(long);
    const seen: JobTransition[] = [];
    await pollUntil(jobs, quick, ['finished'], seen);
    expect(jobs.get(quick)?.native).toBe('C');
    await pollUntil(jobs, long, ['running'], seen);
    expect(jobs.get(long)?.native).toBe('R');
    jobs.markCancelled(long);
    await cancelJobs(pbs, [long], { job, env });
    await pollUntil(jobs, long, ['finished'], seen);
    await expect(cancelJobs(pbs, [long, quick, '99999999'], { job, env })).resolves.toBeUndefined();
    expect((await jobStatusReports(pbs, ['99999999'], { job, env })).get('99999999')?.state).toBe('unknown');
  });
});
