/**
 * IBM Spectrum LSF: `bsub` (script on stdin, so `#BSUB` lines are read) / `bkill` / `bjobs`.
 *
 * Generated header, in order: `-J <jobName>`, `-o`/`-e` to `<logDirectory>/<jobName>-%J.out|.err`,
 * `-q <queue>`, `-P "<project>"`, `-n <ncpus or cores>`, `-R "span[hosts=1]"` (when more than one
 * slot, so they are on one host), `-M <mem or memory>`, `-W <HH:MM>`.
 * `-M` is decimal and rounded up, with an explicit unit (`8000MB`) unless `lsfUnits` is set (then a
 * bare number in that unit, for LSF older than 10.1.0.2). A two-field walltime is hours:minutes, as
 * LSF reads `-W`.
 */
import {
  formatLsfMemory,
  formatWalltimeHM,
  parseBytes,
  type LsfUnit,
  type BatchSystem,
  type JobState,
  type JobStatusReport,
  type JobQueueOptions,
  type SystemOptionSchema,
} from '../src/jobqueue/index.js';

/** bjobs' STAT column → flotilla's states. */
const LSF_STATES: Readonly<Record<string, JobState>> = {
  PEND: 'pending',
  PSUSP: 'pending',
  WAIT: 'pending',
  PROV: 'pending',
  RUN: 'running',
  USUSP: 'running',
  SSUSP: 'running',
  DONE: 'finished',
  EXIT: 'failed',
};

/** Options of LSF jobs (`bsub`). */
export interface LSFJobOptions extends JobQueueOptions {
  /** The project (`#BSUB -P "<project>"`). @defaultValue none */
  project?: string;
  /** Overrides the number of slots (`#BSUB -n`), which is otherwise {@link JobQueueOptions.cores}. @defaultValue none */
  ncpus?: number;
  /** Overrides the memory limit (`#BSUB -M`), in bytes or as `'16 GB'`; otherwise {@link JobQueueOptions.memory}. @defaultValue none */
  mem?: string | number;
  /**
   * Writes `-M` as a bare number in this unit, for LSF older than 10.1.0.2: set it to your site's
   * `LSF_UNIT_FOR_LIMITS` (LSF's own default is KB). Without it, `-M` carries an explicit unit
   * (`-M 8000MB`), which newer LSF reads correctly whatever the site's unit.
   * @defaultValue none: explicit `MB`
   */
  lsfUnits?: LsfUnit;
}

/** How the LSF options are checked. */
const LSF_OPTIONS = {
  project: { kind: 'string' },
  ncpus: { kind: 'positiveInteger' },
  mem: { kind: 'bytes' },
  lsfUnits: { kind: 'lsfUnit' },
} as const satisfies SystemOptionSchema<LSFJobOptions>;

/** The LSF adapter. See the module comment for the directives it writes. */
export const lsf = {
  name: 'lsf',
  options: LSF_OPTIONS,
  clusterName: 'LSFCluster',
  directivePrefix: '#BSUB',
  defaultWalltime: '00:30',
  twoFieldWalltime: 'hours:minutes',
  jobIdVariable: 'LSB_JOBID',
  // "Job <123> is submitted to queue <normal>."
  jobIdPattern: /Job <(?<jobId>\d+)>/,
  // bkill/bjobs: "Job <12> is not found", "No matching job found", "Job has already finished".
  jobGoneOutput: /is not found|No matching job found|already finished/i,
  // `bsub script` would run the file as a command and ignore its #BSUB lines; `bsub < script` reads them.
  scriptOnStdin: true,

  formatMemory: (bytes, job) => formatLsfMemory(bytes, job.lsfUnits),
  formatWalltime: formatWalltimeHM,

  directives(job) {
    const log = `${job.logDirectory}/${job.jobName}-%J`;
    const lines = [`-J ${job.jobName}`, `-o ${log}.out`, `-e ${log}.err`];
    if (job.queue !== undefined) lines.push(`-q ${job.queue}`);
    if (job.project !== undefined) lines.push(`-P "${job.project}"`);
    const slots = job.ncpus ?? job.cores;
    lines.push(`-n ${slots}`);
    if (slots > 1) lines.push('-R "span[hosts=1]"');
    lines.push(`-M ${formatLsfMemory(job.mem === undefined ? job.memoryBytes : parseBytes(job.mem, 'mem'), job.lsfUnits)}`);
    if (job.walltimeSeconds !== null) lines.push(`-W ${formatWalltimeHM(job.walltimeSeconds)}`);
    return lines;
  },

  submitCommand: () => ['bsub'],
  cancelCommand: (ids) => ['bkill', ...ids],
  // -w: do not truncate columns. Ended jobs stay listed (DONE/EXIT) for LSF's CLEAN_PERIOD.
  statusCommand: (ids) => ['bjobs', '-w', ...ids],

  parseStatus(stdout) {
    // Rows of "JOBID USER STAT QUEUE FROM_HOST EXEC_HOST JOB_NAME SUBMIT_TIME".
    const reports = new Map<string, JobStatusReport>();
    for (const line of stdout.split('\n')) {
      const [id, , native] = line.trim().split(/\s+/);
      if (id === undefined || !/^\d+$/.test(id) || native === undefined) continue;
      reports.set(id, { state: LSF_STATES[native] ?? 'unknown', native });
    }
    return reports;
  },

  outputFiles: (job, jobId) => ({
    stdout: `${job.logDirectory}/${job.jobName}-${jobId}.out`,
    stderr: `${job.logDirectory}/${job.jobName}-${jobId}.err`,
  }),
} satisfies BatchSystem<LSFJobOptions>;
