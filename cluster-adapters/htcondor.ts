/**
 * HTCondor: `condor_submit` / `condor_rm` / `condor_q`. The submission is a submit description, not a
 * shell script: `key = value` lines, then the worker command as the arguments of `/bin/sh -c`, then `Queue`.
 *
 * Generated lines, in order: `batch_name = <jobName>`, `RequestCpus = <cores>`,
 * `RequestMemory = <memory in MiB, rounded up>`, `RequestDisk = <disk in KiB, rounded up>` (when
 * `disk` is set), `Environment = "FLOTILLA_HTCONDOR_JOB_ID=$(ClusterId).$(ProcId)"` (so the worker
 * knows its job id), `Output`/`Error` to `<logDirectory>/<jobName>-$(ClusterId).$(ProcId).out|.err`,
 * `Log = <logDirectory>/<jobName>-$(ClusterId).log`, `Stream_Output = True`, `Stream_Error = True`.
 * Skip a line by its key (`jobDirectivesSkip: ['RequestDisk']`); extra lines are written as given
 * (`jobExtraDirectives: ['+ProjectName = "physics"']`). The prologue, the worker command and the
 * epilogue run in one `sh -c`, joined with `; `.
 *
 * HTCondor has no queues and no walltime directive: `queue` is refused with an error, and a `walltime`
 * only sets the workers' lifetime. `condor_submit` expands `$(…)` in the description, so write `$$(…)` for a
 * shell command substitution in a prologue line.
 */
import { ConfigurationError } from '../src/errors/index.js';
import {
  parseBytes,
  type BatchSystem,
  type JobQueueOptions,
  type JobScriptParts,
  type JobState,
  type JobStatusReport,
  type SystemOptionSchema,
} from '../src/jobqueue/index.js';

/** Options of HTCondor jobs (`condor_submit`). */
export interface HTCondorJobOptions extends JobQueueOptions {
  /**
   * Disk per job (`RequestDisk`), bytes or `'4 GB'`. dask-jobqueue requires it; here it is optional,
   * and without it the pool's default applies.
   * @defaultValue none
   */
  disk?: string | number;
  /** Extra arguments of `condor_submit`, e.g. `['-name', 'schedd2']`. @defaultValue `[]` */
  submitCommandExtra?: readonly string[];
  /** Extra arguments of `condor_rm`. @defaultValue `[]` */
  cancelCommandExtra?: readonly string[];
}

const HTCONDOR_OPTIONS = {
  disk: { kind: 'bytes' },
  submitCommandExtra: { kind: 'stringList' },
  cancelCommandExtra: { kind: 'stringList' },
} as const satisfies SystemOptionSchema<HTCondorJobOptions>;

/** condor_q's numeric JobStatus → flotilla's states. Held jobs wait for a release (and are cancelled on close). */
const HTCONDOR_STATES: Readonly<Record<string, [JobState, string]>> = {
  1: ['pending', 'Idle'],
  2: ['running', 'Running'],
  3: ['failed', 'Removed'],
  4: ['finished', 'Completed'],
  5: ['pending', 'Held'],
  6: ['running', 'Transferring Output'],
  7: ['running', 'Suspended'],
};

/** HTCondor's "new" argument quoting: quotes doubled, a word with a space or quote put in single quotes. */
export function quoteCondorArguments(words: readonly string[]): string {
  return words
    .map((word) => {
      const doubled = word.replace(/'/g, "''").replace(/"/g, '""');
      return /[\s']/.test(doubled) ? `'${doubled}'` : doubled;
    })
    .join(' ');
}

function renderSubmitDescription(parts: JobScriptParts): string {
  const shell = [...parts.prologue, parts.workerCommand, ...parts.epilogue].join('; ');
  const header = parts.header.length === 0 ? '' : `${parts.header.join('\n')}\n\n`;
  return `${parts.shebang}\n\n${header}Arguments = "${quoteCondorArguments(['-c', shell])}"\nExecutable = /bin/sh\n\nQueue\n`;
}

/** The HTCondor adapter. See the module comment for the submit description it writes. */
export const htcondor = {
  name: 'htcondor',
  options: HTCONDOR_OPTIONS,
  clusterName: 'HTCondorCluster',
  directivePrefix: '',
  defaultShebang: '#!/usr/bin/env condor_submit',
  defaultWalltime: null,
  twoFieldWalltime: 'minutes:seconds',
  jobIdVariable: 'FLOTILLA_HTCONDOR_JOB_ID',
  // "1 job(s) submitted to cluster 12." The job is process 0 of that cluster: "12.0".
  jobIdPattern: /submitted to cluster (?<jobId>\d+)/,
  jobIdFromMatch: (cluster: string) => `${cluster}.0`,
  // condor_rm: "Job 12.0 not found", "Couldn't find/remove all jobs matching …".
  jobGoneOutput: /not found|Couldn't find/i,

  formatMemory: (bytes) => String(Math.ceil(bytes / 1024 ** 2)),
  formatWalltime: (seconds) => String(seconds),

  directives(job) {
    if (job.queue !== undefined) {
      throw new ConfigurationError(
        `HTCondor has no queues, so queue ${JSON.stringify(job.queue)} would be lost. Remove it; to choose machines or ` +
          `an accounting group, use jobExtraDirectives, e.g. ['requirements = (Machine == "node1")', '+AccountingGroup = "group_physics"'].`,
      );
    }
    const log = `${job.logDirectory}/${job.jobName}-$(ClusterId)`;
    const lines = [`batch_name = ${job.jobName}`, `RequestCpus = ${job.cores}`, `RequestMemory = ${Math.ceil(job.memoryBytes / 1024 ** 2)}`];
    if (job.disk !== undefined) lines.push(`RequestDisk = ${Math.ceil(parseBytes(job.disk, 'disk') / 1024)}`);
    lines.push(
      'Environment = "FLOTILLA_HTCONDOR_JOB_ID=$(ClusterId).$(ProcId)"',
      `Output = ${log}.$(ProcId).out`,
      `Error = ${log}.$(ProcId).err`,
      `Log = ${log}.log`,
      'Stream_Output = True',
      'Stream_Error = True',
    );
    return lines;
  },
  renderScript: renderSubmitDescription,

  submitCommand: (job) => ['condor_submit', ...(job.submitCommandExtra ?? [])],
  cancelCommand: (ids, job) => ['condor_rm', ...(job.cancelCommandExtra ?? []), ...ids],
  // Ended jobs leave condor_q (the tracker then counts them ended); -af:j prints "<ClusterId.ProcId> <JobStatus>".
  statusCommand: (ids) => ['condor_q', ...ids, '-af:j', 'JobStatus'],

  parseStatus(stdout) {
    const reports = new Map<string, JobStatusReport>();
    for (const line of stdout.split('\n')) {
      const [id, code] = line.trim().split(/\s+/);
      if (id === undefined || !/^\d+\.\d+$/.test(id) || code === undefined) continue;
      const [state, native] = HTCONDOR_STATES[code] ?? ['unknown', `JobStatus ${code}`];
      reports.set(id, { state, native });
    }
    return reports;
  },

  outputFiles: (job, jobId) => ({
    stdout: `${job.logDirectory}/${job.jobName}-${jobId}.out`,
    stderr: `${job.logDirectory}/${job.jobName}-${jobId}.err`,
  }),
} satisfies BatchSystem<HTCondorJobOptions>;
