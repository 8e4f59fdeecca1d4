/**
 * Options of job-queue clusters: what each batch job asks for and what its worker command looks like.
 *
 * ## Where a value comes from
 *
 * Each option is looked up in this order, and the first place that sets it wins:
 *
 * 1. the constructor (`new SLURMCluster({ walltime: '01:00:00' })`);
 * 2. the YAML config file: `$FLOTILLA_CONFIG` if set, else `~/.config/flotilla/jobqueue.yaml`,
 *    in the section of the batch system, with the option name in kebab-case
 *    (`slurm:` → `walltime: '01:00:00'`, `job-extra-directives: ['--exclusive']`);
 * 3. an environment variable `FLOTILLA_JOBQUEUE__<SYSTEM>__<KEY>`, KEY being the kebab-case name in
 *    upper snake case (`FLOTILLA_JOBQUEUE__SLURM__WALLTIME=01:00:00`,
 *    `FLOTILLA_JOBQUEUE__SLURM__JOB_EXTRA_DIRECTIVES='["--exclusive"]'`). List options take a YAML
 *    flow list (`[a, b]`) or a single item;
 * 4. the default documented on the option.
 *
 * Environment variables rank *below* the config file (unlike dask, where they rank above): they are
 * meant for site-wide fallbacks set by module files, which a user's own config file should override.
 *
 * Options that only one batch system understands live in that system's interface
 * ({@link SLURMJobOptions}, {@link SGEJobOptions}, {@link PBSJobOptions}, {@link LSFJobOptions}); giving
 * one to another system is an error that says which system it belongs to.
 *
 * @module
 */
import type { LsfUnit } from './units.js';

/** The batch systems flotilla can submit to. `local` runs the job script with bash on this machine. */
export type SystemName = 'slurm' | 'sge' | 'pbs' | 'lsf' | 'local';

/** Every system name, in the order they are listed in messages. */
export const SYSTEM_NAMES: readonly SystemName[] = ['slurm', 'sge', 'pbs', 'lsf', 'local'];

/** Options shared by every batch system. See the module comment for the order in which they are looked up. */
export interface JobQueueOptions {
  /**
   * Cores per job. The job's worker processes share them: each process runs
   * `floor(cores / processes)` task threads.
   * Required (here or in the config file).
   * @example 8
   */
  cores?: number;

  /**
   * Memory per job: a number of bytes or a string such as `'16 GB'`, `'16GiB'`, `'512 MB'`
   * (`K/M/G/T` and `KB…TB` are decimal, `KiB…TiB` binary, case-insensitive). Each worker process
   * gets `memory / processes` as its memory limit. Written in each system's own format (see the adapters).
   * Required (here or in the config file).
   * @example '24 GB'
   */
  memory?: string | number;

  /**
   * Worker processes per job. One job runs one worker command that starts this many worker
   * processes (`--nworkers`), each with `floor(cores / processes)` threads. Scaling down always
   * removes whole jobs.
   * @defaultValue `cores` when `cores` ≤ 4, else the smallest divisor of `cores` that is ≥ √cores
   * (6 → 3, 8 → 4, 12 → 4, 24 → 6, 32 → 8, 36 → 6), as dask-jobqueue does.
   */
  processes?: number;

  /**
   * The batch job's name (`#SBATCH -J`, `#$ -N`, `#PBS -N`, `#BSUB -J`), also used to name log
   * files. Letters, digits, `_`, `.` and `-` only, because Grid Engine rejects other characters.
   * @defaultValue `'flotilla-worker'`
   */
  jobName?: string;

  /** The queue or partition (`-p` for SLURM, `-q` elsewhere). @defaultValue none: the site's default queue */
  queue?: string;

  /**
   * Time limit of each job: `'HH:MM:SS'`, `'D-HH:MM:SS'`, or a number of minutes. A two-field value
   * reads as each system reads it: minutes:seconds for SLURM, SGE and PBS, hours:minutes for LSF.
   * Workers retire gracefully shortly before it ends (see {@link lifetimeMarginSeconds}).
   * @defaultValue `'00:30:00'` (none for `local`)
   */
  walltime?: string | number;

  /**
   * Extra directive lines, without the prefix: `['--exclusive', '--gres=gpu:1']` becomes
   * `#SBATCH --exclusive` and `#SBATCH --gres=gpu:1`. They come after the generated directives and are
   * never removed by {@link jobDirectivesSkip}.
   * @defaultValue `[]`
   */
  jobExtraDirectives?: readonly string[];

  /**
   * Generated directives to leave out, named by their option: `['--mem']` drops `#SBATCH --mem=8G`
   * (but not `--mem-per-cpu`), `['-t']` drops `#SBATCH -t 00:30:00`, `['-l h_rt']` drops
   * `#$ -l h_rt=00:30:00`, `['-A']` drops `#PBS -A acct`. A resource list directive is named by option
   * and resource (`-l walltime`, `-l select`), or by option alone (`-l`) to drop all of them. An entry
   * may also be a whole directive line, with or without the prefix. Matching is by option name, never
   * by substring, and {@link jobExtraDirectives} are never skipped.
   * @defaultValue `[]`
   */
  jobDirectivesSkip?: readonly string[];

  /**
   * Shell lines run before the worker starts, e.g. `['module load nodejs/20', 'export FOO=1']`.
   * @defaultValue `[]`
   */
  jobScriptPrologue?: readonly string[];

  /** Shell lines run after the worker command exits. @defaultValue `[]` */
  jobScriptEpilogue?: readonly string[];

  /**
   * Extra arguments for the worker command, appended last. `$NAME` and `${NAME}` expand in the job
   * (e.g. `['--local-directory', '$TMPDIR']`); everything else is passed literally.
   * @defaultValue `[]`
   */
  workerExtraArgs?: readonly string[];

  /**
   * Where jobs write their stdout and stderr (`<jobName>-<jobId>.out/.err` where the system allows
   * it), and where job scripts are written before submission. Relative paths are resolved against the
   * working directory. It must be on a filesystem that compute nodes can write, and it must not
   * contain whitespace (directives cannot quote it). Created if missing.
   * @defaultValue `'.flotilla-logs'` in the working directory
   */
  logDirectory?: string;

  /** The first line of the job script. @defaultValue `'#!/usr/bin/env bash'` */
  shebang?: string;

  /**
   * The Node.js that runs the worker on compute nodes. A string is one path; an array is a command
   * with arguments, for wrappers such as `['apptainer', 'exec', 'node.sif', 'node']`.
   * The login node's Node is assumed to exist at the same path on compute nodes (shared filesystem).
   * @defaultValue `process.execPath`, the Node running this program
   */
  nodeExecutable?: string | readonly string[];

  /**
   * Network interface (e.g. `'ib0'`) whose address the scheduler listens on and workers connect to.
   * Used by the cluster to choose the scheduler address, not written into the job script.
   * @defaultValue none: the cluster picks an address
   */
  interface?: string;

  /** Host name or IP address the scheduler listens on; wins over {@link interface}. @defaultValue none */
  host?: string;

  /**
   * Seconds a worker keeps trying to reach the scheduler before it gives up and exits, so that jobs
   * of a vanished scheduler do not idle until their walltime. @defaultValue `60`
   */
  deathTimeout?: number;

  /**
   * Directory for the worker's scratch files on the compute node, e.g. `'$TMPDIR'` (expanded in the
   * job). @defaultValue none: the worker's own default
   */
  localDirectory?: string;

  /**
   * Path of a job-script template to use instead of the built-in one, for sites that need their own
   * layout. Placeholders are written `{{name}}`; see `TEMPLATE_PLACEHOLDERS` in `job-script.ts` for the
   * list (`{{shebang}}`, `{{header}}`, `{{prologue}}`, `{{workerCommand}}`, `{{epilogue}}`, `{{jobName}}`,
   * `{{cores}}`, `{{memory}}`, `{{walltime}}`, `{{queue}}`, …). An unknown placeholder is an error.
   * A line that holds only a placeholder whose value is empty is removed.
   * @defaultValue none: the built-in template (shebang, header, prologue, worker command, epilogue)
   */
  templateFile?: string;

  /**
   * How long before the walltime ends a worker starts to retire: it stops taking tasks, hands its
   * results to other workers and exits, so no task is killed mid-way by the batch system.
   * The worker's lifetime is `walltime − margin`, spread by {@link lifetimeStaggerSeconds}.
   * In seconds; ignored when there is no walltime.
   * @defaultValue 5 minutes, but at most 10 % of the walltime (3 min for 30 min, 30 s for 5 min)
   */
  lifetimeMarginSeconds?: number;

  /**
   * Random spread of worker lifetimes, so that the workers of jobs started together do not all
   * retire at the same moment. In seconds. The default keeps even `lifetime + stagger` at least
   * half the margin away from the walltime.
   * @defaultValue half of {@link lifetimeMarginSeconds}, rounded down
   */
  lifetimeStaggerSeconds?: number;

  /**
   * The cluster's name, which prefixes worker names (`<name>-<jobId>`, and `-0`, `-1`, … per process).
   * @defaultValue the cluster class name, e.g. `'SLURMCluster'`
   */
  name?: string;
}

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

/** Options of the `local` system, which runs job scripts with bash on this machine (for tests). */
export type LocalJobOptions = JobQueueOptions;

/** Every option of every system: what option resolution and the config file validate against. */
export type AnyJobOptions = SLURMJobOptions & SGEJobOptions & PBSJobOptions & LSFJobOptions;

/** The name of any job option. */
export type JobOptionKey = keyof AnyJobOptions;
