/**
 * The whole job path through the `local` adapter with real processes: generated script → submit →
 * job runs (worker command included) → status running → finished; cancel kills the process group.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { local } from '../../cluster-adapters/index.js';
import {
  JobTracker,
  buildJobScript,
  cancelJobs,
  jobStatusReports,
  submitJob,
  type JobTransition,
  type ResolvedJobOptions,
} from '../../src/jobqueue/index.js';
import { WORKER_CLI, resolveIsolated, temporaryDirectory, waitFor } from './helpers.js';

/** Polls the tracker until the job reaches `state`, collecting transitions. */
async function pollUntil(jobs: JobTracker, jobId: string, state: string, seen: JobTransition[]): Promise<void> {
  await waitFor(`job ${jobId} to be ${state}`, async () => {
    seen.push(...(await jobs.poll()));
    return jobs.get(jobId)?.state === state ? true : undefined;
  });
}

/** Whether a process exists and is not a zombie. */
function isAlive(pid: string): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false; // no /proc entry: the process is gone
  }
}

function localJob(directory: string, extra: Record<string, unknown> = {}): ResolvedJobOptions {
  return resolveIsolated(local, { cores: 1, memory: '1 GB', logDirectory: join(directory, 'logs'), ...extra }, { cwd: directory });
}

describe('local adapter, end to end', () => {
  test('a generated job script runs its prologue, the worker command and its epilogue; status goes running → finished', async () => {
    const directory = temporaryDirectory();
    const argsFile = join(directory, 'worker-args');
    const gate = join(directory, 'gate');
    // Stands in for node: records the argument vector the job script passes to the worker.
    const recorder = ['bash', '-c', `printf '%s\\n' "$0" "$@" > ${argsFile}`];
    const job = localJob(directory, {
      name: 'e2e',
      nodeExecutable: recorder,
      localDirectory: '$HOME/flotilla scratch',
      workerExtraArgs: ['--note', `it's a "test" with spaces`, '--home', '$HOME/sub'],
      jobScriptPrologue: [
        `echo "prologue in job $FLOTILLA_LOCAL_JOB_ID" > ${join(directory, 'started')}`,
        `for i in $(seq 1 600); do [ -f ${gate} ] && break; sleep 0.05; done`,
      ],
      jobScriptEpilogue: ['echo "epilogue after exit code $?"'],
    });
    const script = buildJobScript(local, job, 'tcp://127.0.0.1:9');
    const jobId = await submitJob(local, script, { job });
    expect(jobId).toMatch(/^\d+$/);
    const jobs = new JobTracker(local, job);
    jobs.add(jobId);
    const seen: JobTransition[] = [];

    await waitFor('the prologue to run', () => (existsSync(join(directory, 'started')) ? true : undefined));
    expect(readFileSync(join(directory, 'started'), 'utf8')).toBe(`prologue in job ${jobId}\n`);
    await pollUntil(jobs, jobId, 'running', seen);
    writeFileSync(gate, '');
    await pollUntil(jobs, jobId, 'finished', seen);

    expect(seen.map((t) => `${t.from}->${t.to} (${t.native})`)).toEqual(['pending->running (running)', 'running->finished (exit 0)']);
    const home = process.env.HOME ?? '';
    expect(readFileSync(argsFile, 'utf8').split('\n').slice(0, -1)).toEqual([
      WORKER_CLI,
      'tcp://127.0.0.1:9',
      '--name',
      `e2e-${jobId}`,
      '--nthreads',
      '1',
      '--memory-limit',
      '1000000000',
      '--nworkers',
      '1',
      '--death-timeout',
      '60',
      '--local-directory',
      `${home}/flotilla scratch`,
      '--job-id',
      jobId,
      '--note',
      `it's a "test" with spaces`,
      '--home',
      `${home}/sub`,
    ]);
    const files = jobs.get(jobId)?.outputFiles;
    expect(files).toEqual({
      stdout: join(directory, 'logs', `flotilla-worker-${jobId}.out`),
      stderr: join(directory, 'logs', `flotilla-worker-${jobId}.err`),
    });
    expect(readFileSync(files?.stdout ?? '', 'utf8')).toBe('epilogue after exit code 0\n');
    expect(readFileSync(files?.stderr ?? '', 'utf8')).toBe('');
  });

  test('cancel kills the whole process group, and a cancelled job ends as finished', async () => {
    const directory = temporaryDirectory();
    const job = localJob(directory);
    const childFile = join(directory, 'child');
    const jobId = await submitJob(local, `#!/usr/bin/env bash\nsleep 300 &\necho $! > ${childFile}\nwait\n`, { job });
    const jobs = new JobTracker(local, job);
    jobs.add(jobId);
    const child = await waitFor('the job to start its child', () =>
      existsSync(childFile) ? readFileSync(childFile, 'utf8').trim() || undefined : undefined,
    );
    expect(isAlive(jobId)).toBe(true);
    expect(isAlive(child)).toBe(true);

    jobs.markCancelled(jobId);
    await cancelJobs(local, [jobId], { job });
    const seen: JobTransition[] = [];
    await pollUntil(jobs, jobId, 'finished', seen);
    expect(seen.at(-1)).toMatchObject({ to: 'finished', native: 'exit 143', endedBeforeWorkersConnected: false });
    await waitFor('the job and its child to be gone', () => (!isAlive(jobId) && !isAlive(child) ? true : undefined));

    // Cancelling it again (alone or with another ended job) is not an error.
    await expect(cancelJobs(local, [jobId], { job })).resolves.toBeUndefined();
    await expect(cancelJobs(local, [jobId, '999999999'], { job })).resolves.toBeUndefined();
  });

  test('a job that fails before any worker connects is reported with its exit code and output files', async () => {
    const directory = temporaryDirectory();
    const job = localJob(directory);
    const jobId = await submitJob(local, '#!/usr/bin/env bash\necho "node: command not found" >&2\nexit 3\n', { job });
    const jobs = new JobTracker(local, job);
    jobs.add(jobId);
    const seen: JobTransition[] = [];
    await pollUntil(jobs, jobId, 'failed', seen);
    const stderr = join(directory, 'logs', `flotilla-worker-${jobId}.err`);
    expect(seen.at(-1)).toMatchObject({
      to: 'failed',
      native: 'exit 3',
      endedBeforeWorkersConnected: true,
      message: `job ${jobId} ended (exit 3) before its workers connected; see ${stderr} and ${join(directory, 'logs', `flotilla-worker-${jobId}.out`)}`,
    });
    expect(readFileSync(stderr, 'utf8')).toBe('node: command not found\n');
  });

  test('a job is listed as running as soon as submitJob returns', async () => {
    const directory = temporaryDirectory();
    const job = localJob(directory);
    const gate = join(directory, 'gate');
    const script = `#!/usr/bin/env bash\nfor i in $(seq 1 600); do [ -f ${gate} ] && break; sleep 0.05; done\n`;
    const ids: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const jobId = await submitJob(local, script, { job });
      ids.push(jobId);
      const reports = await jobStatusReports(local, [jobId], { job });
      expect(reports.get(jobId)).toEqual({ state: 'running', native: 'running' });
    }
    writeFileSync(gate, '');
    await waitFor('every job to end', async () => {
      const reports = await jobStatusReports(local, ids, { job });
      return [...reports.values()].every((r) => r.native === 'exit 0') ? true : undefined;
    });
  });

  test('status of ids that were never local jobs', async () => {
    const directory = temporaryDirectory();
    const reports = await jobStatusReports(local, ['999999999', String(process.pid)], { job: localJob(directory) });
    // Our own pid is alive but is not a job launcher: it must not be mistaken for a running job.
    expect(reports).toEqual(
      new Map([
        ['999999999', { state: 'failed', native: 'gone' }],
        [String(process.pid), { state: 'failed', native: 'gone' }],
      ]),
    );
  });
});
