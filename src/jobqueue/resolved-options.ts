/**
 * The shape of job options after resolution, shared by the resolver (which builds it) and the
 * adapters (which read it to write directives).
 */
import type { JobQueueOptions } from './options.js';

/** Where a resolved option's value came from. */
export type OptionSource = 'constructor' | 'config' | 'env' | 'default';

/** The options of `O` that only its system has (those beyond the shared `JobQueueOptions`), as resolved. */
export type SystemOptionValues<O> = { readonly [K in Exclude<keyof O, keyof JobQueueOptions>]: O[K] | undefined };

/**
 * Job options after resolution: every value settled, checked and converted to the units the core
 * works in. Built once per cluster by `resolveJobOptions`; adapters read it to write directives.
 * The system's own options (`account`, `jobCpu`, …) sit beside the shared ones, as checked (bytes and
 * walltimes are checked but left as given).
 */
export type ResolvedJobOptions<O extends JobQueueOptions = JobQueueOptions> = ResolvedSharedOptions & SystemOptionValues<O>;

/** The shared part of {@link ResolvedJobOptions}. */
export interface ResolvedSharedOptions {
  /** The batch system's name. */
  readonly system: string;
  /** The config file section that was read (the system's name unless `configName` was given). */
  readonly configSection: string;
  /** Cores per job. */
  readonly cores: number;
  /** Memory per job, in bytes. */
  readonly memoryBytes: number;
  /** Worker processes per job. */
  readonly processes: number;
  /** Task threads per worker process: `floor(cores / processes)`, at least 1. */
  readonly threadsPerProcess: number;
  /** Memory limit of each worker process, in bytes: `floor(memoryBytes / processes)`. */
  readonly memoryPerProcessBytes: number;
  readonly jobName: string;
  /** The cluster name, prefix of worker names. */
  readonly name: string;
  readonly queue: string | undefined;
  /** The job's time limit in seconds, or `null` when it has none (`local` without a walltime). */
  readonly walltimeSeconds: number | null;
  /** Seconds after which each worker retires gracefully (`walltime − margin`), or `null`. */
  readonly lifetimeSeconds: number | null;
  /** Random spread of the lifetime, in seconds, or `null` when there is no lifetime. */
  readonly lifetimeStaggerSeconds: number | null;
  readonly jobExtraDirectives: readonly string[];
  readonly jobDirectivesSkip: readonly string[];
  readonly jobScriptPrologue: readonly string[];
  readonly jobScriptEpilogue: readonly string[];
  readonly workerExtraArgs: readonly string[];
  /** Absolute path. */
  readonly logDirectory: string;
  readonly shebang: string;
  /** The command that runs Node on compute nodes, as words. */
  readonly nodeExecutable: readonly string[];
  /** The wrapper the worker command runs under: words to quote, shell text as written, or none. */
  readonly workerCommand: string | readonly string[] | undefined;
  readonly interface: string | undefined;
  readonly host: string | undefined;
  /** The scheduler's interface: `schedulerOptions.interface`, else `schedulerInterface`, else `interface`. */
  readonly schedulerInterface: string | undefined;
  /** The scheduler's host: `schedulerOptions.host`, else `host`. */
  readonly schedulerHost: string | undefined;
  /** The scheduler's port: `schedulerOptions.port`, else `schedulerPort`, else 0 (any free port). */
  readonly schedulerPort: number;
  /** `schedulerOptions.dashboardAddress`, when given (the cluster option `dashboardAddress` otherwise). */
  readonly schedulerDashboardAddress: string | number | false | undefined;
  /** The workers' interface (`--interface` in the job script): `workerInterface`, else `interface`. */
  readonly workerInterface: string | undefined;
  /** Restarts per worker process (`--restarts`), or `undefined` for the worker CLI's default. */
  readonly workerRestarts: number | undefined;
  /** Seconds. */
  readonly deathTimeout: number;
  readonly localDirectory: string | undefined;
  /** Absolute path, when set. */
  readonly templateFile: string | undefined;
  /** The directory jobs are submitted from (their working directory on most systems). */
  readonly cwd: string;
  /** Where each option that has a value got it from: useful when a setting is not what you expected. */
  readonly sources: Readonly<Partial<Record<string, OptionSource>>>;
}
