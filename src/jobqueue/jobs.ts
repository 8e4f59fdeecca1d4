/**
 * Submitting, cancelling and querying batch jobs through an adapter's commands.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError, JobSubmissionError } from '../errors/index.js';
import type { BatchSystem, JobState, JobStatusReport } from './batch-system.js';
import type { ResolvedJobOptions } from './resolved-options.js';
import { runCommand } from './run-command.js';

/** Options shared by the job commands. */
export interface JobCommandOptions {
  /** The cluster's resolved options: log directory, working directory, and what the adapter's commands need. */
  readonly job: ResolvedJobOptions;
  /** Environment of the batch commands. @defaultValue `process.env` */
  readonly env?: NodeJS.ProcessEnv;
  /** Time limit of each command in milliseconds. @defaultValue `60_000` */
  readonly timeoutMs?: number;
}

/**
 * Writes `scriptText` to a file in the log directory, submits it with the system's submit command
 * (run from the job's working directory, without a shell) and returns the job id.
 *
 * The script file is removed after a successful submission (the batch system keeps its own copy),
 * except for systems that read it when the job runs (`local`); after a failure it is kept and named
 * in the error.
 * @throws JobSubmissionError when the submit command fails (with command, exit code, stdout and
 * stderr) or when its output holds no job id (quoting the pattern and the output).
 */
export async function submitJob(system: BatchSystem, scriptText: string, options: JobCommandOptions): Promise<string> {
  const { job } = options;
  mkdirSync(job.logDirectory, { recursive: true });
  const scriptPath = join(job.logDirectory, `${job.jobName}-${Date.now()}-${randomBytes(4).toString('hex')}.sh`);
  writeFileSync(scriptPath, scriptText, { mode: 0o700 });
  const argv = system.scriptOnStdin === true ? system.submitCommand(job) : [...system.submitCommand(job), scriptPath];
  let stdout: string;
  try {
    ({ stdout } = await runCommand(argv, {
      cwd: job.cwd,
      env: options.env,
      timeoutMs: options.timeoutMs,
      ...(system.scriptOnStdin === true ? { input: scriptText } : {}),
    }));
  } catch (error) {
    if (!(error instanceof JobSubmissionError)) throw error;
    throw new JobSubmissionError(
      `Submitting a ${system.name} job failed (the script is kept at ${scriptPath}): ${error.message}`,
      error,
      { cause: error },
    );
  }
  const jobId = parseJobId(system, stdout, argv);
  if (system.scriptReadAtRunTime !== true) rmSync(scriptPath, { force: true });
  return jobId;
}

/**
 * The job id in a submit command's output, found with the system's `jobIdPattern` anywhere in the
 * output (site wrappers print other lines around it); with several patterns the first that matches wins.
 * @throws ConfigurationError when a pattern has no `jobId` group (an adapter bug).
 * @throws JobSubmissionError when no pattern matches, quoting the patterns and the output.
 */
export function parseJobId(system: BatchSystem, stdout: string, command: readonly string[] = []): string {
  const patterns: readonly RegExp[] = system.jobIdPattern instanceof RegExp ? [system.jobIdPattern] : system.jobIdPattern;
  for (const pattern of patterns) {
    if (!pattern.source.includes('(?<jobId>')) {
      throw new ConfigurationError(
        `The ${system.name} adapter's jobIdPattern ${String(pattern)} has no named group \`jobId\`. ` +
          `Write it like /(?<jobId>\\d+)/.`,
      );
    }
  }
  for (const pattern of patterns) {
    const jobId = pattern.exec(stdout)?.groups?.jobId;
    if (jobId !== undefined && jobId !== '') return system.jobIdFromMatch === undefined ? jobId : system.jobIdFromMatch(jobId);
  }
  throw new JobSubmissionError(
    `Could not find a job id in the output of ${command.join(' ') || `the ${system.name} submit command`}: ` +
      `${JSON.stringify(stdout)} does not match ${patterns.map(String).join(' or ')}. The job may have been submitted ` +
      `anyway: a cluster keeps looking for it (its workers report their job id when they connect, and it is then ` +
      `cancelled with the others on close), but check the queue. If your site's command prints ids differently, use an ` +
      `adapter with a matching pattern: { ...${system.name}, jobIdPattern: /…(?<jobId>\\d+)…/ }.`,
    { command: [...command], exitCode: 0, stdout, stderr: '' },
  );
}

/**
 * Whether a failed submission may still have created a job: the submit command exited with 0 but
 * printed no job id, or it was killed (time-out, signal) before it said. A command that could not be
 * started, or that exited with an error code, submitted nothing.
 */
export function submissionMayExist(error: JobSubmissionError): boolean {
  if (error.exitCode === 0) return true;
  if (error.exitCode !== null) return false;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  return true;
}

/**
 * Cancels jobs. Jobs that are already gone are not an error: `scancel` says nothing about them, and
 * a non-zero exit whose output matches the system's `jobGoneOutput` (e.g. qdel's "does not exist")
 * counts as done. When a command for several jobs fails, each job is cancelled on its own so that
 * one forgotten job does not hide a real failure of another.
 * @throws JobSubmissionError for the first job that could not be cancelled for another reason.
 */
export async function cancelJobs(
  system: BatchSystem,
  jobIds: readonly string[],
  options: JobCommandOptions,
): Promise<void> {
  if (jobIds.length === 0) return;
  const run = (ids: readonly string[]) =>
    runCommand(system.cancelCommand(ids, options.job), { cwd: options.job.cwd, env: options.env, timeoutMs: options.timeoutMs });
  try {
    await run(jobIds);
    return;
  } catch (error) {
    if (!(error instanceof JobSubmissionError)) throw error;
    if (jobIds.length === 1) {
      if (isGone(system, error)) return;
      throw error;
    }
  }
  let firstFailure: JobSubmissionError | undefined;
  for (const id of jobIds) {
    try {
      await run([id]);
    } catch (error) {
      if (!(error instanceof JobSubmissionError)) throw error;
      if (!isGone(system, error)) firstFailure ??= error;
    }
  }
  if (firstFailure !== undefined) throw firstFailure;
}

/**
 * The state of each job, from the system's status command. Jobs the command does not mention are
 * `unknown`. Keys are the ids as given.
 * @throws JobSubmissionError when the status command fails for a reason other than unknown jobs.
 */
export async function jobStatuses(
  system: BatchSystem,
  jobIds: readonly string[],
  options: JobCommandOptions,
): Promise<Map<string, JobState>> {
  const reports = await jobStatusReports(system, jobIds, options);
  return new Map([...reports].map(([id, report]) => [id, report.state]));
}

/** Like {@link jobStatuses}, with the system's own word for each state (`'FAILED'`, `'Eqw'`, …). */
export async function jobStatusReports(
  system: BatchSystem,
  jobIds: readonly string[],
  options: JobCommandOptions,
): Promise<Map<string, JobStatusReport>> {
  const result = new Map<string, JobStatusReport>();
  if (jobIds.length === 0) return result;
  const query = async (ids: readonly string[]): Promise<Map<string, JobStatusReport> | 'gone'> => {
    try {
      const { stdout } = await runCommand(system.statusCommand(ids, options.job), {
        cwd: options.job.cwd,
        env: options.env,
        timeoutMs: options.timeoutMs,
      });
      return system.parseStatus(stdout);
    } catch (error) {
      if (!(error instanceof JobSubmissionError) || !isGone(system, error)) throw error;
      // Some commands (bjobs, PBS qstat) still list the jobs they know when others are unknown.
      const partial = system.parseStatus(error.stdout);
      return partial.size > 0 ? partial : 'gone';
    }
  };
  let parsed = await query(jobIds);
  if (parsed === 'gone' && jobIds.length > 1) {
    // squeue and qstat refuse a whole list when one id is unknown: ask about each job on its own.
    parsed = new Map();
    for (const id of jobIds) {
      const single = await query([id]);
      if (single !== 'gone') for (const [key, report] of single) parsed.set(key, report);
    }
  }
  const reports = parsed === 'gone' ? new Map<string, JobStatusReport>() : parsed;
  for (const id of jobIds) {
    const exact = reports.get(id);
    const report = exact ?? [...reports].find(([printed]) => sameJobId(printed, id))?.[1];
    result.set(id, report ?? { state: 'unknown', native: 'not listed' });
  }
  return result;
}

/**
 * Whether two printed job ids name the same job: equal, or equal up to a server suffix that one of
 * them lacks or has truncated (PBS prints `123.server`, or `123.serv*` in narrow columns).
 */
export function sameJobId(a: string, b: string): boolean {
  if (a === b) return true;
  const [numberA, suffixA = ''] = splitId(a);
  const [numberB, suffixB = ''] = splitId(b);
  if (numberA !== numberB || numberA === '') return false;
  if (suffixA === '' || suffixB === '') return true;
  const strip = (suffix: string) => suffix.replace(/\*$/, '');
  return strip(suffixA).startsWith(strip(suffixB)) || strip(suffixB).startsWith(strip(suffixA));
}

function splitId(id: string): [string, string?] {
  const match = /^(\d+)(?:\.(.*))?$/.exec(id.trim());
  return match ? [match[1] ?? '', match[2]] : ['', undefined];
}

function isGone(system: BatchSystem, error: JobSubmissionError): boolean {
  return system.jobGoneOutput.test(`${error.stdout}\n${error.stderr}`);
}
