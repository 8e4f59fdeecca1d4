/**
 * SLURM: `sbatch --parsable` / `scancel` / `squeue`, directives `#SBATCH`.
 *
 * Generated header, in order: `-J <jobName>`, `-e`/`-o` to `<logDirectory>/<jobName>-%j.err|.out`,
 * `-p <queue>`, `-A <account>`, `-n 1`, `-N 1`, `--cpus-per-task=<jobCpu or cores>`,
 * `--mem=<jobMem or memory in whole G/M/K, rounded up>`, `-t <HH:MM:SS>`.
 * Jobs inherit the submitter's environment (SLURM's default `--export=ALL`).
 */
import {
  formatSlurmBytes,
  formatWalltimeHMS,
  type BatchSystem,
  type JobState,
  type JobStatusReport,
  type JobQueueOptions,
  type SystemOptionSchema,
} from '../src/jobqueue/index.js';

/** squeue's long state names (`%T`) → flotilla's states. */
const SLURM_STATES: Readonly<Record<string, JobState>> = {
  PENDING: 'pending',
  CONFIGURING: 'pending',
  REQUEUED: 'pending',
  REQUEUE_FED: 'pending',
  REQUEUE_HOLD: 'pending',
  RESV_DEL_HOLD: 'pending',
  RUNNING: 'running',
  COMPLETING: 'running',
  STAGE_OUT: 'running',
  SIGNALING: 'running',
  RESIZING: 'running',
  SUSPENDED: 'running',
  STOPPED: 'running',
  COMPLETED: 'finished',
  FAILED: 'failed',
  CANCELLED: 'failed',
  TIMEOUT: 'failed',
  NODE_FAIL: 'failed',
  OUT_OF_MEMORY: 'failed',
  BOOT_FAIL: 'failed',
  DEADLINE: 'failed',
  PREEMPTED: 'failed',
  REVOKED: 'failed',
  SPECIAL_EXIT: 'failed',
};

/** Options of SLURM jobs (`sbatch`). */
export interface SLURMJobOptions extends JobQueueOptions {
  /** The account to charge (`#SBATCH -A`). @defaultValue none */
  account?: string;
  /** Overrides `--cpus-per-task`, which is otherwise {@link JobQueueOptions.cores}. @defaultValue none */
  jobCpu?: number;
  /**
   * Overrides `--mem`, written verbatim (e.g. `'0'` or `'8000M'`); otherwise memory in whole G/M/K rounded up.
   * To ask for memory per CPU instead, skip `--mem` and add an extra directive:
   * `{ jobDirectivesSkip: ['--mem'], jobExtraDirectives: ['--mem-per-cpu=2G'] }`.
   * @defaultValue none
   */
  jobMem?: string;
}

/** How the SLURM options are checked. */
const SLURM_OPTIONS = {
  account: { kind: 'string' },
  jobCpu: { kind: 'positiveInteger' },
  jobMem: { kind: 'string' },
} as const satisfies SystemOptionSchema<SLURMJobOptions>;

/** The SLURM adapter. See the module comment for the directives it writes. */
export const slurm = {
  name: 'slurm',
  options: SLURM_OPTIONS,
  clusterName: 'SLURMCluster',
  directivePrefix: '#SBATCH',
  defaultWalltime: '00:30:00',
  twoFieldWalltime: 'minutes:seconds',
  jobIdVariable: 'SLURM_JOB_ID',
  // Plain sbatch prints "Submitted batch job ID", anywhere in its output (site wrappers print
  // "sbatch: Submitted batch job ID" or add lines around it); `--parsable` prints "ID" or "ID;cluster" on a line.
  jobIdPattern: [/Submitted batch job (?<jobId>\d+)/, /^\s*(?<jobId>\d+)(?:;\S*)?\s*$/m],
  // scancel ignores unknown ids; squeue refuses them once SLURM has forgotten the job (after MinJobAge).
  jobGoneOutput: /Invalid job id specified/i,

  formatMemory: (bytes) => formatSlurmBytes(bytes),
  formatWalltime: formatWalltimeHMS,

  directives(job) {
    const log = `${job.logDirectory}/${job.jobName}-%j`;
    const lines = [`-J ${job.jobName}`, `-e ${log}.err`, `-o ${log}.out`];
    if (job.queue !== undefined) lines.push(`-p ${job.queue}`);
    if (job.account !== undefined) lines.push(`-A ${job.account}`);
    lines.push('-n 1', '-N 1', `--cpus-per-task=${job.jobCpu ?? job.cores}`);
    lines.push(`--mem=${job.jobMem ?? formatSlurmBytes(job.memoryBytes)}`);
    if (job.walltimeSeconds !== null) lines.push(`-t ${formatWalltimeHMS(job.walltimeSeconds)}`);
    return lines;
  },

  submitCommand: () => ['sbatch', '--parsable'],
  cancelCommand: (ids) => ['scancel', ...ids],
  // `-t all` keeps ended jobs (COMPLETED, FAILED, …) listed for MinJobAge, so their outcome is seen.
  statusCommand: (ids) => ['squeue', '-h', '-t', 'all', '-j', ids.join(','), '-o', '%i|%T'],

  parseStatus(stdout) {
    const reports = new Map<string, JobStatusReport>();
    for (const line of stdout.split('\n')) {
      const [id, native] = line.trim().split('|');
      if (id === undefined || id === '' || native === undefined) continue;
      reports.set(id, { state: SLURM_STATES[native] ?? 'unknown', native });
    }
    return reports;
  },

  outputFiles: (job, jobId) => ({
    stdout: `${job.logDirectory}/${job.jobName}-${jobId}.out`,
    stderr: `${job.logDirectory}/${job.jobName}-${jobId}.err`,
  }),
} satisfies BatchSystem<SLURMJobOptions>;
