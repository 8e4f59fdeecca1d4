/**
 * Options of job-queue clusters that are about the cluster rather than each job (those are in
 * `../jobqueue/options.ts`), of `scale()` and of `adapt()`, with their checks.
 */
import { ConfigurationError } from '../errors/index.js';
import type {
  HTCondorJobOptions,
  LocalJobOptions,
  LSFJobOptions,
  MoabJobOptions,
  OARJobOptions,
  PBSJobOptions,
  SGEJobOptions,
  SLURMJobOptions,
} from '../../cluster-adapters/index.js';

/** Options of the cluster itself, accepted by every job-queue cluster next to the job options. */
export interface JobQueueClusterOptions {
  /**
   * Workers to ask for at start: `ceil(nWorkers / processes)` jobs are submitted before `ready` resolves.
   * @defaultValue `0`
   */
  nWorkers?: number;

  /**
   * Authentication between the scheduler, its workers and clients (ZeroMQ CURVE). When on, the cluster
   * makes its own keys, writes them to a file in {@link sharedDirectory} that only you can read (mode
   * 0600), and passes that file to each worker (`--security-file`); a client or worker without the keys
   * cannot connect. Turn it off only on a network nobody else can reach: anyone who reaches the
   * scheduler's port can then run code as you.
   * @defaultValue `true`
   */
  security?: boolean;

  /**
   * Where the credentials file goes. Compute nodes must be able to read it at the same path, so it
   * must be on a shared filesystem (your home or project directory; not `/tmp`). Created if missing.
   * @defaultValue the log directory (`logDirectory`)
   */
  sharedDirectory?: string;

  /**
   * TCP port of the scheduler, e.g. one your site's firewall lets through. It is also a job option, so
   * it may come from the config file (`scheduler-port`) or `schedulerOptions.port`, which wins.
   * @defaultValue `0`: any free port
   */
  schedulerPort?: number;

  /**
   * How often the batch system's status command (`squeue`, `qstat`, …) is run to follow the jobs, in
   * milliseconds. Each run costs the batch system a little: do not go below a few seconds on a shared site.
   * @defaultValue `10000`
   */
  statusPollMs?: number;

  /** Worker deaths while running one task before it fails with `KilledWorkerError`. @defaultValue `3` */
  allowedFailures?: number;

  /**
   * Jobs that end before any of their workers connected, in a row, after which the cluster stops
   * submitting replacement jobs on its own (it logs why). The next `scale()` or `adapt()` call resumes.
   * This is what keeps a broken job script from being resubmitted for ever.
   * @defaultValue `3`
   */
  maxConsecutiveJobFailures?: number;

  /**
   * Directories put in front of `PATH` for the batch commands (submit, status, cancel) only, e.g. a
   * folder of site wrappers, or the Torque-compatible `qsub` of slurm-wlm-torque.
   * @defaultValue none: `PATH` as it is
   */
  commandPath?: string | readonly string[];

  /**
   * How long `close()` waits for the status command to confirm that every job is gone, in milliseconds.
   * @defaultValue `60000`
   */
  closeTimeoutMs?: number;

  /**
   * Where the scheduler's status page listens (a port, `':8787'`, `'host:port'`), or `false` for none. On a
   * shared login node 8787 is often taken: the page then moves to a free port and says where. Off
   * loopback, the link (`cluster.dashboardLink`) carries an access token. `schedulerOptions.dashboardAddress`
   * (which may also come from the config file) wins over this.
   * @defaultValue 8787
   */
  dashboardAddress?: string | number | false;
}

/** The names of {@link JobQueueClusterOptions}: job option resolution accepts and skips them. */
export const CLUSTER_OPTION_KEYS = [
  'nWorkers',
  'security',
  'sharedDirectory',
  'statusPollMs',
  'allowedFailures',
  'maxConsecutiveJobFailures',
  'commandPath',
  'closeTimeoutMs',
  'dashboardAddress',
] as const satisfies readonly (keyof JobQueueClusterOptions)[];
// `schedulerPort` is not among them: it is a job option too, read from the config file and the environment.

/** Options of `new SLURMCluster(…)`. */
export type SLURMClusterOptions = SLURMJobOptions & JobQueueClusterOptions;
/** Options of `new SGECluster(…)`. */
export type SGEClusterOptions = SGEJobOptions & JobQueueClusterOptions;
/** Options of `new PBSCluster(…)`. */
export type PBSClusterOptions = PBSJobOptions & JobQueueClusterOptions;
/** Options of `new LSFCluster(…)`. */
export type LSFClusterOptions = LSFJobOptions & JobQueueClusterOptions;
/** Options of `new HTCondorCluster(…)`. */
export type HTCondorClusterOptions = HTCondorJobOptions & JobQueueClusterOptions;
/** Options of `new OARCluster(…)`. */
export type OARClusterOptions = OARJobOptions & JobQueueClusterOptions;
/** Options of `new MoabCluster(…)`. */
export type MoabClusterOptions = MoabJobOptions & JobQueueClusterOptions;
/** Options of `new LocalJobCluster(…)`. */
export type LocalJobClusterOptions = LocalJobOptions & JobQueueClusterOptions;

/** Cluster options with every default filled in. */
export interface ResolvedClusterOptions {
  readonly nWorkers: number;
  readonly security: boolean;
  /** Absolute, or undefined for "the log directory". */
  readonly sharedDirectory: string | undefined;
  /** The constructor's `schedulerPort`, checked (the port used is the job options' `schedulerPort`). */
  readonly schedulerPort: number;
  readonly statusPollMs: number;
  readonly allowedFailures: number | undefined;
  readonly maxConsecutiveJobFailures: number;
  readonly commandPath: readonly string[];
  readonly closeTimeoutMs: number;
}

/** What `scale()` accepts besides a number of workers: the largest of these wins, in whole jobs. */
export interface ScaleRequest {
  /** Worker processes (rounded up to whole jobs). */
  workers?: number;
  /** Jobs. */
  jobs?: number;
  /** Total cores (rounded up to whole jobs of `cores` each). */
  cores?: number;
  /** Total memory, bytes or `'64 GB'` (rounded up to whole jobs of `memory` each). */
  memory?: string | number;
}

/** Options of `adapt()`. Worker counts are converted to whole jobs (see each field). */
export interface AdaptOptions {
  /** Fewest workers, rounded up to whole jobs. @defaultValue `0` */
  minimum?: number;
  /**
   * Most workers, rounded *down* to whole jobs so the limit is never exceeded (with `processes: 4`,
   * `maximum: 10` allows 2 jobs).
   * @defaultValue no limit
   */
  maximum?: number;
  /** Fewest jobs; the larger of this and `minimum` wins. @defaultValue `0` */
  minimumJobs?: number;
  /** Most jobs; the smaller of this and `maximum` wins. @defaultValue no limit */
  maximumJobs?: number;
  /**
   * How long the queued work should take, in milliseconds: the cluster asks for enough threads to run
   * the pending tasks' expected run time (their group's mean so far, 0.5 s when unknown) in this long.
   * @defaultValue `5000`
   */
  targetDurationMs?: number;
  /** Checks in a row that must find too many jobs before idle jobs are retired. @defaultValue `3` */
  waitCount?: number;
  /** Milliseconds between checks. @defaultValue `1000` */
  intervalMs?: number;
}

/** {@link AdaptOptions} in whole jobs, with every default filled in. */
export interface ResolvedAdaptOptions {
  readonly minimumJobs: number;
  readonly maximumJobs: number;
  readonly targetDurationMs: number;
  readonly waitCount: number;
  readonly intervalMs: number;
}

/**
 * Fills in and checks the cluster options.
 * @throws ConfigurationError naming the option, the value received and what is expected.
 */
export function resolveClusterOptions(options: Readonly<JobQueueClusterOptions>, className: string): ResolvedClusterOptions {
  const where = `new ${className}(…)`;
  const commandPath = options.commandPath === undefined ? [] : typeof options.commandPath === 'string' ? [options.commandPath] : [...options.commandPath];
  if (commandPath.some((entry) => typeof entry !== 'string' || entry === '' || entry.includes(':'))) {
    throw new ConfigurationError(
      `${where}: commandPath must be a directory or a list of directories (without ':'), got ${JSON.stringify(options.commandPath)}. ` +
        `Example: commandPath: '/opt/site/bin'.`,
    );
  }
  if (options.security !== undefined && typeof options.security !== 'boolean') {
    throw new ConfigurationError(`${where}: security must be true or false, got ${JSON.stringify(options.security)}.`);
  }
  if (options.sharedDirectory !== undefined && (typeof options.sharedDirectory !== 'string' || options.sharedDirectory === '')) {
    throw new ConfigurationError(
      `${where}: sharedDirectory must be a directory path on a filesystem compute nodes can read, got ${JSON.stringify(options.sharedDirectory)}.`,
    );
  }
  return {
    nWorkers: wholeNumber(where, 'nWorkers', options.nWorkers, 0, 0),
    security: options.security ?? true,
    sharedDirectory: options.sharedDirectory,
    schedulerPort: wholeNumber(where, 'schedulerPort', options.schedulerPort, 0, 0, 65_535),
    statusPollMs: wholeNumber(where, 'statusPollMs', options.statusPollMs, 10_000, 50),
    allowedFailures: options.allowedFailures === undefined ? undefined : wholeNumber(where, 'allowedFailures', options.allowedFailures, 3, 0),
    maxConsecutiveJobFailures: wholeNumber(where, 'maxConsecutiveJobFailures', options.maxConsecutiveJobFailures, 3, 1),
    commandPath,
    closeTimeoutMs: wholeNumber(where, 'closeTimeoutMs', options.closeTimeoutMs, 60_000, 0),
  };
}

/**
 * Converts `adapt()` options to whole jobs of `processes` workers each.
 * @throws ConfigurationError for a negative or fractional count, a maximum below the minimum, or a
 * maximum smaller than one job's workers.
 */
export function resolveAdaptOptions(options: Readonly<AdaptOptions>, processes: number): ResolvedAdaptOptions {
  const where = 'adapt()';
  const minimum = wholeNumber(where, 'minimum', options.minimum, 0, 0);
  const maximum = options.maximum === undefined || options.maximum === Infinity ? Infinity : wholeNumber(where, 'maximum', options.maximum, 0, 0);
  const minimumJobs = Math.max(Math.ceil(minimum / processes), wholeNumber(where, 'minimumJobs', options.minimumJobs, 0, 0));
  const maximumJobsOption =
    options.maximumJobs === undefined || options.maximumJobs === Infinity ? Infinity : wholeNumber(where, 'maximumJobs', options.maximumJobs, 0, 0);
  if (maximum !== Infinity && maximum > 0 && maximum < processes) {
    throw new ConfigurationError(
      `adapt(): maximum is ${maximum} workers, but each job starts ${processes} worker processes, so not even one job fits. ` +
        `Use maximum ≥ ${processes}, or maximumJobs.`,
    );
  }
  const maximumJobs = Math.min(maximum === Infinity ? Infinity : Math.floor(maximum / processes), maximumJobsOption);
  if (maximumJobs < minimumJobs) {
    throw new ConfigurationError(
      `adapt(): the maximum (${maximumJobs} jobs) is below the minimum (${minimumJobs} jobs) ` +
        `(minimum ${minimum} workers, minimumJobs ${options.minimumJobs ?? 0}, maximum ${String(maximum)} workers, ` +
        `maximumJobs ${String(maximumJobsOption)}; ${processes} workers per job). Raise the maximum or lower the minimum.`,
    );
  }
  return {
    minimumJobs,
    maximumJobs,
    targetDurationMs: wholeNumber(where, 'targetDurationMs', options.targetDurationMs, 5_000, 1),
    waitCount: wholeNumber(where, 'waitCount', options.waitCount, 3, 1),
    intervalMs: wholeNumber(where, 'intervalMs', options.intervalMs, 1_000, 10),
  };
}

function wholeNumber(where: string, name: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ConfigurationError(`${where}: ${name} must be a whole number ${range}, got ${JSON.stringify(value)}.`);
  }
  return value;
}
