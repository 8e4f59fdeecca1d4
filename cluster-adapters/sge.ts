/**
 * Grid Engine (SGE, Son of Grid Engine, UGE): `qsub -terse` / `qdel` / `qstat -xml`, directives `#$`.
 *
 * Generated header, in order: `-N <jobName>`, `-q <queue>`, `-P <project>`, `-l <resourceSpec>`,
 * `-l h_rt=<HH:MM:SS>`, `-o`/`-e` to `<logDirectory>/<jobName>-$JOB_ID.out|.err` (Grid Engine expands
 * `$JOB_ID` in these paths), `-cwd`, `-S /bin/bash`.
 *
 * No memory or core directive is generated: memory goes through `resourceSpec` (mind the `h_vmem`
 * advice on `SGEJobOptions.resourceSpec`: at least 1.1 + 0.6·threads GB per worker process),
 * cores through a site-specific parallel environment in `jobExtraDirectives` (`-pe smp 4`).
 * Grid Engine does not pass the submitter's environment to jobs; the script needs none of it, because
 * the worker command names Node and the worker CLI by absolute path. Add `-V` to `jobExtraDirectives`
 * or `export` lines to `jobScriptPrologue` if your prologue relies on variables.
 */
import {
  formatWalltimeHMS,
  type BatchSystem,
  type JobState,
  type JobStatusReport,
  type JobQueueOptions,
  type SystemOptionSchema,
} from '../src/jobqueue/index.js';

/** Grid Engine state letters (`qw`, `hqw`, `r`, `t`, `Eqw`, `dr`, `Rr`, `s`, …) → flotilla's states. */
function sgeState(native: string): JobState {
  if (native.includes('E')) return 'failed'; // error states (Eqw) never leave on their own
  if (/[rt]/.test(native)) return 'running';
  if (/[qwh]/.test(native)) return 'pending';
  if (/[sSTR]/.test(native)) return 'running';
  return 'unknown';
}

/** `qstat -xml` lists `<job_list>` elements; plain `qstat` a table whose fifth column is the state. */
function parseQstat(stdout: string): Map<string, JobStatusReport> {
  const reports = new Map<string, JobStatusReport>();
  const add = (id: string, native: string) => {
    if (!reports.has(id)) reports.set(id, { state: sgeState(native), native });
  };
  if (stdout.trimStart().startsWith('<')) {
    for (const [, body = ''] of stdout.matchAll(/<job_list\b[^>]*>([\s\S]*?)<\/job_list>/g)) {
      const id = /<JB_job_number>\s*(\d+)\s*</.exec(body)?.[1];
      const native = /<state>\s*([^<\s]*)\s*</.exec(body)?.[1];
      if (id !== undefined && native !== undefined) add(id, native);
    }
    return reports;
  }
  for (const line of stdout.split('\n')) {
    const columns = line.trim().split(/\s+/);
    if (/^\d+$/.test(columns[0] ?? '') && columns[4] !== undefined) add(columns[0] ?? '', columns[4]);
  }
  return reports;
}

/**
 * Options of Grid Engine jobs (`qsub`).
 *
 * Grid Engine jobs get no memory or core directive from `memory` and `cores`: resources are requested
 * through {@link SGEJobOptions.resourceSpec}, and cores through a parallel environment in
 * `jobExtraDirectives` (e.g. `['-pe smp 4']`; PE names are site-specific).
 */
export interface SGEJobOptions extends JobQueueOptions {
  /** The project (`#$ -P`). @defaultValue none */
  project?: string;
  /**
   * Resource requests (`#$ -l <resourceSpec>`), e.g. `'h_vmem=6G,mem_free=4G'`.
   *
   * `h_vmem` limits *virtual* memory, and Node.js reserves much more address space than it uses: a
   * worker process with T task threads needs at least about 1.1 + 0.6·T GB of `h_vmem` before any
   * task allocates anything (measured with Node 20; below 1 GB Node does not even start). Ask for
   * that much per worker process on top of what the tasks need.
   * @defaultValue none
   */
  resourceSpec?: string;
}

/** How the Grid Engine options are checked. */
const SGE_OPTIONS = {
  project: { kind: 'string' },
  resourceSpec: { kind: 'string' },
} as const satisfies SystemOptionSchema<SGEJobOptions>;

/** The Grid Engine adapter. See the module comment for the directives it writes. */
export const sge = {
  name: 'sge',
  options: SGE_OPTIONS,
  clusterName: 'SGECluster',
  directivePrefix: '#$',
  defaultWalltime: '00:30:00',
  twoFieldWalltime: 'minutes:seconds',
  jobIdVariable: 'JOB_ID',
  // `-terse` prints the bare id; without it: 'Your job 1 ("name") has been submitted'.
  jobIdPattern: /(?:^|Your job )(?<jobId>\d+)\b/m,
  // qdel: 'denied: job "11" does not exist'; qstat -j: 'Following jobs do not exist'.
  jobGoneOutput: /does not exist/i,

  formatMemory: (bytes) => `${Math.ceil(bytes / 1024 ** 2)}M`,
  formatWalltime: formatWalltimeHMS,

  directives(job) {
    const lines = [`-N ${job.jobName}`];
    if (job.queue !== undefined) lines.push(`-q ${job.queue}`);
    if (job.project !== undefined) lines.push(`-P ${job.project}`);
    if (job.resourceSpec !== undefined) lines.push(`-l ${job.resourceSpec}`);
    if (job.walltimeSeconds !== null) lines.push(`-l h_rt=${formatWalltimeHMS(job.walltimeSeconds)}`);
    const log = `${job.logDirectory}/${job.jobName}-$JOB_ID`;
    lines.push(`-o ${log}.out`, `-e ${log}.err`, '-cwd', '-S /bin/bash');
    return lines;
  },

  submitCommand: () => ['qsub', '-terse'],
  cancelCommand: (ids) => ['qdel', ...ids],
  // qstat lists only waiting and running jobs; an ended job disappears (the tracker then counts it ended).
  statusCommand: () => ['qstat', '-xml'],
  parseStatus: parseQstat,

  outputFiles: (job, jobId) => ({
    stdout: `${job.logDirectory}/${job.jobName}-${jobId}.out`,
    stderr: `${job.logDirectory}/${job.jobName}-${jobId}.err`,
  }),
} satisfies BatchSystem<SGEJobOptions>;
