/**
 * PBS Pro, OpenPBS and Torque: `qsub` / `qdel` / `qstat`, directives `#PBS`.
 *
 * Generated header, in order: `-N <jobName>`, `-q <queue>`, `-A <account>`,
 * `-l <resourceSpec>` (default `select=1:ncpus=<cores>:mem=<memory>`, PBS Pro syntax; Torque sites set
 * `resourceSpec`, e.g. `nodes=1:ppn=8,mem=16gb`), `-l walltime=<HH:MM:SS>`, `-o`/`-e <logDirectory>/`.
 * PBS does not expand variables in `-o`/`-e`, so output goes to a directory, where PBS names the
 * files `<jobName>.o<sequence number>` and `.e<…>`.
 * PBS passes only `PBS_O_*` variables to jobs; the worker command uses absolute paths and needs none.
 */
import {
  formatPbsBytes,
  formatWalltimeHMS,
  type BatchSystem,
  type JobState,
  type JobStatusReport,
  type JobQueueOptions,
  type SystemOptionSchema,
} from '../src/jobqueue/index.js';

/** qstat's `S` column → flotilla's states. C (Torque) and F (PBS Pro) carry no exit status here. */
const PBS_STATES: Readonly<Record<string, JobState>> = {
  Q: 'pending',
  H: 'pending',
  W: 'pending',
  T: 'pending',
  U: 'pending',
  R: 'running',
  E: 'running', // exiting: still running its epilogue
  B: 'running',
  S: 'running',
  C: 'finished',
  F: 'finished',
  X: 'finished',
};

/** Options of PBS Pro / OpenPBS / Torque jobs (`qsub`). */
export interface PBSJobOptions extends JobQueueOptions {
  /** The account to charge (`#PBS -A`). @defaultValue none */
  account?: string;
  /**
   * The resource request (`#PBS -l <resourceSpec>`), which replaces the generated
   * `select=1:ncpus=<cores>:mem=<memory>` (PBS Pro syntax). Torque sites write e.g. `'nodes=1:ppn=8,mem=16gb'`.
   * @defaultValue `select=1:ncpus=<cores>:mem=<memory>`
   */
  resourceSpec?: string;
}

/** How the PBS options are checked. */
export const PBS_OPTIONS = {
  account: { kind: 'string' },
  resourceSpec: { kind: 'string' },
} as const satisfies SystemOptionSchema<PBSJobOptions>;

/** The PBS Pro / OpenPBS / Torque adapter. See the module comment for the directives it writes. */
export const pbs = {
  name: 'pbs',
  options: PBS_OPTIONS,
  clusterName: 'PBSCluster',
  directivePrefix: '#PBS',
  defaultWalltime: '00:30:00',
  twoFieldWalltime: 'minutes:seconds',
  jobIdVariable: 'PBS_JOBID',
  // The whole id ("1234.server"), as $PBS_JOBID holds it in the job.
  jobIdPattern: /^\s*(?<jobId>\d+(?:\[\d*\])?(?:\.[\w.-]+)?)\s*$/m,
  // qdel/qstat: "Unknown Job Id 12.server"; PBS Pro qstat: "Job has finished, use -x …"; Torque: "Invalid state".
  // The slurm-torque wrappers say nothing: qdel exits 1, qstat 153, with empty output (only whitespace matches).
  jobGoneOutput: /Unknown Job Id|Job has finished|Invalid state|does not exist|^\s*$/i,

  formatMemory: (bytes) => formatPbsBytes(bytes),
  formatWalltime: formatWalltimeHMS,

  directives(job) {
    const lines = [`-N ${job.jobName}`];
    if (job.queue !== undefined) lines.push(`-q ${job.queue}`);
    if (job.account !== undefined) lines.push(`-A ${job.account}`);
    lines.push(`-l ${job.resourceSpec ?? `select=1:ncpus=${job.cores}:mem=${formatPbsBytes(job.memoryBytes)}`}`);
    if (job.walltimeSeconds !== null) lines.push(`-l walltime=${formatWalltimeHMS(job.walltimeSeconds)}`);
    lines.push(`-o ${job.logDirectory}/`, `-e ${job.logDirectory}/`);
    return lines;
  },

  submitCommand: () => ['qsub'],
  cancelCommand: (ids) => ['qdel', ...ids],
  statusCommand: (ids) => ['qstat', ...ids],

  parseStatus(stdout) {
    // Rows of "Job id  Name  User  Time Use  S  Queue"; the id may be truncated with '*' (matched by the core).
    const reports = new Map<string, JobStatusReport>();
    for (const line of stdout.split('\n')) {
      const columns = line.trim().split(/\s+/);
      const native = columns[columns.length - 2];
      if (!/^\d/.test(columns[0] ?? '') || columns.length < 3 || native === undefined) continue;
      reports.set(columns[0] ?? '', { state: PBS_STATES[native] ?? 'unknown', native });
    }
    return reports;
  },

  outputFiles: (job, jobId) => {
    const sequence = /^\d+/.exec(jobId)?.[0] ?? jobId;
    return {
      stdout: `${job.logDirectory}/${job.jobName}.o${sequence}`,
      stderr: `${job.logDirectory}/${job.jobName}.e${sequence}`,
    };
  },
} satisfies BatchSystem<PBSJobOptions>;
