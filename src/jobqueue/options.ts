/**
 * Options of job-queue clusters: what each batch job asks for and what its worker command looks like.
 *
 * ## Where a value comes from
 *
 * Each option is looked up in this order, and the first place that sets it wins:
 *
 * 1. the constructor (`new SLURMCluster({ walltime: '01:00:00' })`);
 * 2. the YAML config file: `$FLOTILLA_CONFIG` if set, else `~/.config/flotilla/jobqueue.yaml`,
 *    in the section of the batch system (or the section named by {@link JobQueueOptions.configName}),
 *    with the option name in kebab-case (`slurm:` → `walltime: '01:00:00'`, `job-extra-directives: ['--exclusive']`);
 * 3. an environment variable `FLOTILLA_JOBQUEUE__<SYSTEM>__<KEY>`, KEY being the kebab-case name in
 *    upper snake case (`FLOTILLA_JOBQUEUE__SLURM__WALLTIME=01:00:00`,
 *    `FLOTILLA_JOBQUEUE__SLURM__JOB_EXTRA_DIRECTIVES='["--exclusive"]'`). List options take a YAML
 *    flow list (`[a, b]`) or a single item;
 * 4. the default documented on the option.
 *
 * Environment variables rank *below* the config file (unlike dask, where they rank above): they are
 * meant for site-wide fallbacks set by module files, which a user's own config file should override.
 *
 * Options that only one batch system understands are declared by that system's adapter, with its
 * directives (`cluster-adapters/slurm.ts` declares `SLURMJobOptions`); giving one to another system
 * is an error that says which system it belongs to.
 *
 * @module
 */

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
   * One process holds one copy of a stored value for all its threads; several processes isolate
   * tasks from each other's crashes and globals, at one copy of each broadcast per process.
   * @defaultValue 1: one process with `cores` task threads (dask-jobqueue splits into about √cores
   * processes because of Python's GIL; `processesForCores(cores)` gives that split)
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
   * Network interface (e.g. `'ib0'`) for both ends, as dask-jobqueue's `interface`: the scheduler
   * listens on its IPv4 address (unless {@link schedulerInterface} or {@link host} says otherwise), and
   * each worker listens on it for its peers (`--interface` in the job script, unless
   * {@link workerInterface} says otherwise).
   * @defaultValue none: the scheduler picks the first non-loopback address, workers their host's
   */
  interface?: string;

  /**
   * Network interface of the scheduler only (on the login node), when compute nodes reach it on a
   * network whose interface has another name there. Wins over {@link interface}.
   * @defaultValue {@link interface}
   */
  schedulerInterface?: string;

  /**
   * Network interface of the workers only (on the compute nodes), written into the job script as
   * `--interface`: each worker listens on that interface's IPv4 address for peers fetching its results.
   * Wins over {@link interface}.
   * @defaultValue {@link interface}
   */
  workerInterface?: string;

  /** Host name or IP address the scheduler listens on; wins over {@link interface}. @defaultValue none */
  host?: string;

  /**
   * TCP port of the scheduler, e.g. one your site's firewall lets through. Like every job option it
   * may come from the config file (`scheduler-port: 8786`).
   * @defaultValue `0`: any free port
   */
  schedulerPort?: number;

  /**
   * The scheduler's settings in one object, as dask-jobqueue's `scheduler_options`
   * (`{ dashboardAddress: ':0', port: 8786, interface: 'ib0', host: '10.0.0.1' }`); each entry wins
   * over the matching flat option. In the config file: `scheduler-options: { dashboard-address: ':0' }`.
   * As in dask-jobqueue, the constructor's object replaces the config file's as a whole.
   * @defaultValue none
   */
  schedulerOptions?: SchedulerOptions;

  /**
   * A wrapper the worker command runs under, e.g. `['apptainer', 'exec', 'image.sif']` or
   * `'srun --cpu-bind=none'`: the job script runs `<workerCommand> <node> <worker CLI> …`. A list is
   * quoted word by word (`$NAME` references still expand in the job); a string is written as it is,
   * as shell text. Combine with {@link nodeExecutable} when Node has another path inside the container.
   * @defaultValue none: the worker command runs directly
   */
  workerCommand?: string | readonly string[];

  /**
   * How many times each worker process of a job is restarted in place when it dies (killed for using too
   * much memory, a crash), as Dask's nanny does; the scheduler removes the dead worker when its connection
   * closes, and the restarted one registers under the same name. Past the limit the process is given up (the job's stderr says so), and
   * the job ends when all its processes have. `0` turns the restarter off. Written as `--restarts N`
   * into the worker command when set.
   * @defaultValue `3` (the worker CLI's default inside a batch job)
   */
  workerRestarts?: number;

  /**
   * The config file section to read instead of the system's own (`slurm`, `sge`, …), so one file can
   * hold several set-ups for one system, as dask-jobqueue's `config_name`. A named section says which
   * system it is for with `batch-system: slurm`. Only the constructor takes this option.
   * @defaultValue the system's name
   */
  configName?: string;

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

/**
 * Every option of any batch system: the shared ones typed, the system's own ones (declared by its
 * adapter) as further keys. What option resolution and the config file check against.
 */
export type AnyJobOptions = JobQueueOptions & { readonly [systemOption: string]: unknown };

/** The name of a shared job option that option resolution reads (every one except {@link JobQueueOptions.configName}). */
export type JobOptionKey = Exclude<keyof JobQueueOptions, 'configName'>;

/**
 * The settings of the scheduler, as dask-jobqueue's `scheduler_options`: in the constructor
 * `schedulerOptions: { dashboardAddress: ':0' }`, in the config file `scheduler-options:` with
 * kebab-case keys (`dashboard-address`). Each entry wins over the matching flat option
 * (`dashboardAddress`, `schedulerPort`, `schedulerInterface` or `interface`, `host`).
 */
export interface SchedulerOptions {
  /** Where the status page listens: a port, `':8787'`, `'host:port'`, or `false` for none. */
  readonly dashboardAddress?: string | number | false;
  /** TCP port of the scheduler; `0` for any free port. */
  readonly port?: number;
  /** Network interface whose IPv4 address the scheduler listens on, e.g. `'ib0'`. */
  readonly interface?: string;
  /** Host name or IP address the scheduler listens on; wins over `interface`. */
  readonly host?: string;
}
