/**
 * The batch command layer with real processes: runCommand, submitJob, cancelJobs and jobStatuses,
 * driven through adapters whose commands are small bash scripts standing in for a batch system.
 */
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { local, pbs, sge, slurm } from '../../cluster-adapters/index.js';
import { JobSubmissionError } from '../../src/errors/index.js';
import {
  cancelJobs,
  jobStatusReports,
  jobStatuses,
  runCommand,
  sameJobId,
  submitJob,
  type BatchSystem,
} from '../../src/jobqueue/index.js';
import { resolveIsolated, temporaryDirectory } from './helpers.js';

/** Writes an executable bash script and returns its path. */
function fakeCommand(directory: string, name: string, body: string): string {
  const path = join(directory, name);
  writeFileSync(path, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function jobIn(directory: string) {
  return resolveIsolated(local, { cores: 1, memory: '1 GB', logDirectory: join(directory, 'logs') }, { cwd: directory });
}

describe('runCommand', () => {
  test('returns the output of a command that exits with 0, passing arguments without a shell', async () => {
    const result = await runCommand(['printf', '%s|', 'a b', '$HOME', "it's"]);
    expect(result).toEqual({ stdout: "a b|$HOME|it's|", stderr: '' });
  });

  test('a non-zero exit is a JobSubmissionError with command, exit code, stdout and stderr', async () => {
    const directory = temporaryDirectory();
    const failing = fakeCommand(directory, 'fail', 'echo "partial output"; echo "sbatch: error: invalid account" >&2; exit 3');
    const attempt = runCommand([failing, '--flag', 'x y']);
    await expect(attempt).rejects.toBeInstanceOf(JobSubmissionError);
    await expect(attempt).rejects.toMatchObject({
      command: [failing, '--flag', 'x y'],
      exitCode: 3,
      stdout: 'partial output\n',
      stderr: 'sbatch: error: invalid account\n',
      message: `${failing} --flag 'x y' exited with code 3.\nstdout:\npartial output\nstderr:\nsbatch: error: invalid account`,
    });
  });

  test('a command that is not installed says so', async () => {
    const attempt = runCommand(['flotilla-no-such-command-xyz', 'a']);
    await expect(attempt).rejects.toBeInstanceOf(JobSubmissionError);
    await expect(attempt).rejects.toMatchObject({ exitCode: null, command: ['flotilla-no-such-command-xyz', 'a'] });
    await expect(attempt).rejects.toThrow('`flotilla-no-such-command-xyz` was not found on PATH');
  });

  test('a command that runs too long is killed and reported', async () => {
    const started = Date.now();
    const attempt = runCommand(['sleep', '30'], { timeoutMs: 300 });
    await expect(attempt).rejects.toThrow('sleep 30 did not finish within 300 ms and was killed');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('input goes to stdin; env and cwd are applied', async () => {
    const directory = temporaryDirectory();
    expect((await runCommand(['cat'], { input: 'script text' })).stdout).toBe('script text');
    const { stdout } = await runCommand(['bash', '-c', 'echo "$FLOTILLA_TEST_VALUE $PWD"'], {
      cwd: directory,
      env: { ...process.env, FLOTILLA_TEST_VALUE: 'v1' },
    });
    expect(stdout).toBe(`v1 ${directory}\n`);
  });
});

describe('submitJob', () => {
  test('a failing submit command rejects with its command, exit code, stdout and stderr, and keeps the script', async () => {
    const directory = temporaryDirectory();
    const submit = fakeCommand(directory, 'sbatch', 'echo "sbatch: error: Batch job submission failed: Invalid account" >&2; exit 3');
    const system: BatchSystem = { ...slurm, submitCommand: () => [submit, '--parsable'] };
    const job = resolveIsolated(system, { cores: 1, memory: '1 GB', logDirectory: join(directory, 'logs') }, { cwd: directory });
    const attempt = submitJob(system, '#!/bin/bash\necho hi\n', { job });
    await expect(attempt).rejects.toBeInstanceOf(JobSubmissionError);
    const error = (await attempt.catch((e: unknown) => e)) as JobSubmissionError;
    const scripts = readdirSync(join(directory, 'logs')).filter((name) => name.endsWith('.sh'));
    expect(scripts).toHaveLength(1);
    const scriptPath = join(directory, 'logs', scripts[0] ?? '');
    expect(error.command).toEqual([submit, '--parsable', scriptPath]);
    expect(error.exitCode).toBe(3);
    expect(error.stdout).toBe('');
    expect(error.stderr).toBe('sbatch: error: Batch job submission failed: Invalid account\n');
    expect(error.message).toContain(`Submitting a slurm job failed (the script is kept at ${scriptPath})`);
    expect(error.message).toContain('exited with code 3');
    expect(readFileSync(scriptPath, 'utf8')).toBe('#!/bin/bash\necho hi\n');
  });

  test('output without a job id quotes the pattern and the output and says how to fix it', async () => {
    const directory = temporaryDirectory();
    const submit = fakeCommand(directory, 'sbatch', 'echo "Your allocation is over quota, job held"');
    const system: BatchSystem = { ...slurm, submitCommand: () => [submit] };
    const job = resolveIsolated(system, { cores: 1, memory: '1 GB', logDirectory: join(directory, 'logs') }, { cwd: directory });
    const attempt = submitJob(system, '#!/bin/bash\n', { job });
    await expect(attempt).rejects.toBeInstanceOf(JobSubmissionError);
    await expect(attempt).rejects.toThrow('"Your allocation is over quota, job held\\n" does not match /Submitted batch job (?<jobId>\\d+)/ or /^\\s*(?<jobId>');
    await expect(attempt).rejects.toThrow('{ ...slurm, jobIdPattern: /…(?<jobId>\\d+)…/ }');
  });

  test('the script goes as a path argument, run from the working directory, and is removed after submission', async () => {
    const directory = temporaryDirectory();
    const record = join(directory, 'submitted');
    const submit = fakeCommand(directory, 'qsub', `{ echo "$PWD"; echo "$@"; cat "$1"; } > ${record}; echo 4711`);
    const system: BatchSystem = { ...sge, submitCommand: () => [submit] };
    const job = resolveIsolated(system, { cores: 1, memory: '1 GB', logDirectory: join(directory, 'logs') }, { cwd: directory });
    await expect(submitJob(system, '#!/bin/bash\n#$ -N x\n', { job })).resolves.toBe('4711');
    const [cwd, args, ...script] = readFileSync(record, 'utf8').split('\n');
    expect(cwd).toBe(directory);
    expect(args).toMatch(new RegExp(`^${join(directory, 'logs')}/flotilla-worker-\\d+-[0-9a-f]{8}\\.sh$`));
    expect(script.join('\n')).toBe('#!/bin/bash\n#$ -N x\n');
    expect(existsSync(args ?? '')).toBe(false);
  });

  test('systems that read the script on stdin get it there (LSF style)', async () => {
    const directory = temporaryDirectory();
    const record = join(directory, 'stdin');
    const submit = fakeCommand(directory, 'bsub', `cat > ${record}; echo "Job <123> is submitted to queue <normal>."`);
    const system: BatchSystem = { ...slurm, scriptOnStdin: true, jobIdPattern: /Job <(?<jobId>\d+)>/, submitCommand: () => [submit] };
    const job = resolveIsolated(system, { cores: 1, memory: '1 GB', logDirectory: join(directory, 'logs') }, { cwd: directory });
    await expect(submitJob(system, '#!/bin/bash\n#BSUB -J x\n', { job })).resolves.toBe('123');
    expect(readFileSync(record, 'utf8')).toBe('#!/bin/bash\n#BSUB -J x\n');
  });
});

describe('cancelJobs', () => {
  test('a job that is already gone is not an error (qdel exits 1 with "does not exist")', async () => {
    const directory = temporaryDirectory();
    const log = join(directory, 'calls');
    const qdel = fakeCommand(directory, 'qdel', `echo "$@" >> ${log}; echo "denied: job \\"$1\\" does not exist" >&2; exit 1`);
    const system: BatchSystem = { ...sge, cancelCommand: (ids) => [qdel, ...ids] };
    await expect(cancelJobs(system, ['11'], { job: jobIn(directory) })).resolves.toBeUndefined();
    expect(readFileSync(log, 'utf8')).toBe('11\n');
  });

  test('another failure is reported', async () => {
    const directory = temporaryDirectory();
    const qdel = fakeCommand(directory, 'qdel', 'echo "alice - you do not have the necessary privileges" >&2; exit 1');
    const system: BatchSystem = { ...sge, cancelCommand: (ids) => [qdel, ...ids] };
    const attempt = cancelJobs(system, ['12'], { job: jobIn(directory) });
    await expect(attempt).rejects.toBeInstanceOf(JobSubmissionError);
    await expect(attempt).rejects.toMatchObject({ exitCode: 1, stderr: 'alice - you do not have the necessary privileges\n' });
  });

  test('when a list fails, each job is cancelled on its own: gone ones are tolerated, a real failure is not', async () => {
    const directory = temporaryDirectory();
    const log = join(directory, 'calls');
    // Emulates qdel: 11 is gone, 12 cancels, 13 is someone else's job.
    const qdel = fakeCommand(
      directory,
      'qdel',
      `echo "$@" >> ${log}; status=0
for id in "$@"; do
  case $id in
    11) echo "denied: job \\"11\\" does not exist" >&2; status=1 ;;
    12) echo "root has deleted job 12" ;;
    13) echo "denied: job 13 belongs to bob" >&2; status=1 ;;
  esac
done
exit $status`,
    );
    const system: BatchSystem = { ...sge, cancelCommand: (ids) => [qdel, ...ids] };
    await expect(cancelJobs(system, ['11', '12'], { job: jobIn(directory) })).resolves.toBeUndefined();
    await expect(cancelJobs(system, ['11', '12', '13'], { job: jobIn(directory) })).rejects.toMatchObject({
      command: [qdel, '13'],
      stderr: 'denied: job 13 belongs to bob\n',
    });
    expect(readFileSync(log, 'utf8')).toBe('11 12\n11\n12\n11 12 13\n11\n12\n13\n');
  });

  test('no ids, no command', async () => {
    const system: BatchSystem = { ...sge, cancelCommand: () => ['false'] };
    await expect(cancelJobs(system, [], { job: jobIn(temporaryDirectory()) })).resolves.toBeUndefined();
  });
});

describe('jobStatuses', () => {
  test('maps ids to states; ids the command does not mention are unknown', async () => {
    const directory = temporaryDirectory();
    const squeue = fakeCommand(directory, 'squeue', 'printf "12|RUNNING\\n13|PENDING\\n15|FAILED\\n"');
    const system: BatchSystem = { ...slurm, statusCommand: (ids) => [squeue, ...ids] };
    const states = await jobStatuses(system, ['12', '13', '15', '99'], { job: jobIn(directory) });
    expect(states).toEqual(new Map([['12', 'running'], ['13', 'pending'], ['15', 'failed'], ['99', 'unknown']]));
  });

  test('when the command refuses the whole list because one job is unknown, each job is asked about alone', async () => {
    const directory = temporaryDirectory();
    const log = join(directory, 'calls');
    // Emulates squeue after MinJobAge: any list containing 7 fails.
    const squeue = fakeCommand(
      directory,
      'squeue',
      `echo "$*" >> ${log}
for id in "$@"; do [ "$id" = 7 ] && { echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; }; done
for id in "$@"; do echo "$id|RUNNING"; done`,
    );
    const system: BatchSystem = { ...slurm, statusCommand: (ids) => [squeue, ...ids] };
    const reports = await jobStatusReports(system, ['5', '7', '8'], { job: jobIn(directory) });
    expect(reports).toEqual(
      new Map([
        ['5', { state: 'running', native: 'RUNNING' }],
        ['7', { state: 'unknown', native: 'not listed' }],
        ['8', { state: 'running', native: 'RUNNING' }],
      ]),
    );
    expect(readFileSync(log, 'utf8')).toBe('5 7 8\n5\n7\n8\n');
  });

  test('a PBS id with a server suffix matches the truncated id qstat prints', async () => {
    const directory = temporaryDirectory();
    const qstat = fakeCommand(
      directory,
      'qstat',
      `cat <<'OUT'
Job id            Name             User              Time Use S Queue
----------------  ---------------- ----------------  -------- - -----
1234.pbs-serv*    flotilla-worker  alice             00:00:05 R workq
OUT`,
    );
    const system: BatchSystem = { ...pbs, statusCommand: (ids) => [qstat, ...ids] };
    const states = await jobStatuses(system, ['1234.pbs-server.example.org', '1235.pbs-server.example.org'], {
      job: jobIn(directory),
    });
    expect(states).toEqual(new Map([['1234.pbs-server.example.org', 'running'], ['1235.pbs-server.example.org', 'unknown']]));
  });

  test('a status command that fails for another reason is an error', async () => {
    const directory = temporaryDirectory();
    const squeue = fakeCommand(directory, 'squeue', 'echo "squeue: error: Unable to contact slurm controller" >&2; exit 1');
    const system: BatchSystem = { ...slurm, statusCommand: (ids) => [squeue, ...ids] };
    await expect(jobStatuses(system, ['1'], { job: jobIn(directory) })).rejects.toThrow('Unable to contact slurm controller');
  });

  test('sameJobId', () => {
    expect(sameJobId('1234', '1234')).toBe(true);
    expect(sameJobId('1234.server', '1234')).toBe(true);
    expect(sameJobId('1234.pbs-serv*', '1234.pbs-server.example.org')).toBe(true);
    expect(sameJobId('1234.other', '1234.pbs-server')).toBe(false);
    expect(sameJobId('1234', '12345')).toBe(false);
    expect(sameJobId('abc', 'abc.x')).toBe(false);
  });
});
