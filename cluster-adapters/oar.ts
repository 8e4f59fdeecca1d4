/**
 * OAR: `oarsub -S` / `oardel` / `oarstat -s`, directives `#OAR`.
 *
 * Generated header, in order: `-n <jobName>`, `-q <queue>`, `--project <project>`,
 * `-l <resourceSpec or /nodes=1/core=<cores>>,walltime=<HH:MM:SS>` (one line: OAR reads several `-l`
 * lines as alternatives), `-O`/`-E` to `<logDirectory>/<jobName>-%jobid%.out|.err`, and, when
 * `memoryPerCorePropertyName` is set, `-p <property>>=<MiB per core>`.
 *
 * `oarsub -S <script>` reads the `#OAR` lines of the script and runs the script itself on the node, so
 * the file is kept after submission (on the shared filesystem, like the logs). A two-field walltime is
 * hours:minutes, as OAR reads it. Inside the job `$OAR_JOB_ID` holds the id.
 */
import {
  formatWalltimeHMS,
  type BatchSystem,
  type JobQueueOptions,
  type JobState,
  type JobStatusReport,
  type SystemOptionSchema,
} from '../src/jobqueue/index.js';

/** Options of OAR jobs (`oarsub`). */
export interface OARJobOptions extends JobQueueOptions {
  /** The project (`#OAR --project`). @defaultValue none */
  project?: string;
  /**
   * The resource request (`#OAR -l <resourceSpec>,walltime=…`), which replaces `/nodes=1/core=<cores>`.
   * @defaultValue `/nodes=1/core=<cores>`
   */
  resourceSpec?: string;
  /**
   * The OAR property that holds the memory per core in MiB on your cluster (often `memcore` or
   * `mem_core`; `oarnodes` lists them). When set, `#OAR -p <property>>=<memory / cores in MiB>` asks for
   * nodes with enough memory. Without it nothing about memory is requested. An extra directive
   * `-p …` replaces this line (OAR keeps the last `-p`): then put the memory condition in yours.
   * @defaultValue none
   */
  memoryPerCorePropertyName?: string;
}

const OAR_OPTIONS = {
  project: { kind: 'string' },
  resourceSpec: { kind: 'string' },
  memoryPerCorePropertyName: { kind: 'string' },
} as const satisfies SystemOptionSchema<OARJobOptions>;

/** oarstat's state words → flotilla's states. */
const OAR_STATES: Readonly<Record<string, JobState>> = {
  Waiting: 'pending',
  Hold: 'pending',
  toLaunch: 'pending',
  toAckReservation: 'pending',
  Launching: 'pending',
  Running: 'running',
  Suspended: 'running',
  Resuming: 'running',
  Finishing: 'running',
  Terminated: 'finished',
  Error: 'failed',
  toError: 'failed',
};

/** The OAR adapter. See the module comment for the directives it writes. */
export const oar = {
  name: 'oar',
  options: OAR_OPTIONS,
  clusterName: 'OARCluster',
  directivePrefix: '#OAR',
  defaultWalltime: '00:30:00',
  twoFieldWalltime: 'hours:minutes',
  jobIdVariable: 'OAR_JOB_ID',
  // oarsub prints "[ADMISSION RULE] …" lines, then "OAR_JOB_ID=1234".
  jobIdPattern: /OAR_JOB_ID=(?<jobId>\d+)/,
  // oardel/oarstat on a job OAR no longer knows or that already ended.
  jobGoneOutput: /does not exist|unknown job|not found|already (?:finished|terminated|killed)/i,
  // `oarsub -S script` runs the script file itself on the node.
  scriptReadAtRunTime: true,

  formatMemory: (bytes) => `${Math.ceil(bytes / 1024 ** 2)}`,
  formatWalltime: formatWalltimeHMS,

  directives(job) {
    const lines = [`-n ${job.jobName}`];
    if (job.queue !== undefined) lines.push(`-q ${job.queue}`);
    if (job.project !== undefined) lines.push(`--project ${job.project}`);
    const resources = [job.resourceSpec ?? `/nodes=1/core=${job.cores}`];
    if (job.walltimeSeconds !== null) resources.push(`walltime=${formatWalltimeHMS(job.walltimeSeconds)}`);
    const log = `${job.logDirectory}/${job.jobName}-%jobid%`;
    lines.push(`-l ${resources.join(',')}`, `-O ${log}.out`, `-E ${log}.err`);
    if (job.memoryPerCorePropertyName !== undefined) {
      lines.push(`-p ${job.memoryPerCorePropertyName}>=${Math.ceil(job.memoryBytes / (job.cores * 1024 ** 2))}`);
    }
    return lines;
  },

  submitCommand: () => ['oarsub', '-S'],
  cancelCommand: (ids) => ['oardel', ...ids],
  statusCommand: (ids) => ['oarstat', '-s', ...ids.flatMap((id) => ['-j', id])],

  parseStatus(stdout) {
    // Lines of "<id>: <State>".
    const reports = new Map<string, JobStatusReport>();
    for (const line of stdout.split('\n')) {
      const match = /^\s*(\d+)\s*:\s*(\S+)/.exec(line);
      if (match?.[1] === undefined || match[2] === undefined) continue;
      reports.set(match[1], { state: OAR_STATES[match[2]] ?? 'unknown', native: match[2] });
    }
    return reports;
  },

  outputFiles: (job, jobId) => ({
    stdout: `${job.logDirectory}/${job.jobName}-${jobId}.out`,
    stderr: `${job.logDirectory}/${job.jobName}-${jobId}.err`,
  }),
} satisfies BatchSystem<OARJobOptions>;
