/**
 * The contract every batch-system adapter fulfils (`cluster-adapters/*.ts`).
 *
 * An adapter is one file of data plus a few pure functions: it says how its system spells things and
 * which options only it has (`options`, typed by its options interface `O`), and the core does the work (option resolution, the script template, skipping and adding directives, writing and
 * submitting the script, parsing the job id, polling and cancelling). Adapters run no commands and
 * read no files themselves.
 *
 * @remarks Deliberately left out: job arrays, multi-node jobs, and per-system submit-time options
 * beyond those in `options.ts`. Sites that need other directives use `jobExtraDirectives`,
 * `jobDirectivesSkip` or a `templateFile`.
 */
import type { SystemOptionSchema } from './option-schema.js';
import type { JobQueueOptions } from './options.js';
import type { ResolvedJobOptions } from './resolved-options.js';
import type { TwoFieldWalltime } from './units.js';

/**
 * A job's state as flotilla tracks it. `unknown` means the status command said nothing about the job
 * (e.g. it finished long ago and the system forgot it).
 */
export type JobState = 'pending' | 'running' | 'finished' | 'failed' | 'unknown';

/** One job's state from a status command: flotilla's state and the system's own word for it. */
export interface JobStatusReport {
  /** flotilla's state for the job (see {@link JobState}). */
  readonly state: JobState;
  /** What the system printed, e.g. `'PENDING'`, `'Eqw'`, `'exit 3'`: shown to users as-is. */
  readonly native: string;
}

/** The parts of a job script, for {@link BatchSystem.renderScript}. */
export interface JobScriptParts {
  /** The first line, e.g. `#!/usr/bin/env bash`. */
  readonly shebang: string;
  /** The header lines, with their prefix (generated, minus skipped, plus extra). */
  readonly header: readonly string[];
  /** Shell lines run before the worker command. */
  readonly prologue: readonly string[];
  /** The worker command line, quoted for a POSIX shell. */
  readonly workerCommand: string;
  /** Shell lines run after the worker command. */
  readonly epilogue: readonly string[];
}

/** Where a job's stdout and stderr end up (absolute paths; the same file when the system merges them). */
export interface JobOutputFiles {
  /** The job's stdout file. */
  readonly stdout: string;
  /** The job's stderr file (the stdout file when the system merges them). */
  readonly stderr: string;
}

/**
 * A batch system, as an adapter declares it. See the module comment, and
 * `examples/custom-adapter.ts` for a whole adapter written outside this package.
 * @typeParam O - the options of this system's jobs: `JobQueueOptions` plus its own.
 */
export interface BatchSystem<O extends JobQueueOptions = JobQueueOptions> {
  /**
   * The system's key, lower case: also its config file section and its `FLOTILLA_JOBQUEUE__<NAME>__…`
   * variables.
   */
  readonly name: string;
  /** Default cluster name (and worker name prefix), e.g. `'SLURMCluster'`. */
  readonly clusterName: string;
  /**
   * The options only this system has (`account`, `jobCpu`, …), each with the kind of value it takes.
   * The shared options (`cores`, `memory`, `walltime`, …) are not listed here.
   */
  readonly options: SystemOptionSchema<O>;
  /** What starts each directive line, e.g. `'#SBATCH'`, `'#$'`; empty for a system without directives. */
  readonly directivePrefix: string;
  /** Walltime when none is configured, in the system's own notation, or `null` for none. */
  readonly defaultWalltime: string | null;
  /** How the system reads a two-field walltime such as `'01:30'`. */
  readonly twoFieldWalltime: TwoFieldWalltime;
  /** The environment variable that holds the job id inside a running job, e.g. `'SLURM_JOB_ID'`. */
  readonly jobIdVariable: string;
  /**
   * Finds the job id in the submit command's stdout. Each pattern must have a named group `jobId`, and
   * must capture the id exactly as {@link jobIdVariable} holds it inside the job (so workers can be
   * matched to jobs). With several patterns, the first that matches anywhere in the output wins.
   */
  readonly jobIdPattern: RegExp | readonly RegExp[];
  /** Turns the captured `jobId` into the id as the job sees it (HTCondor: `12` → `12.0`). @defaultValue as captured */
  readonly jobIdFromMatch?: (captured: string) => string;
  /** Matches the output of a cancel or status command that failed only because the job no longer exists. */
  readonly jobGoneOutput: RegExp;
  /** The first line of its scripts when the `shebang` option is not set. @defaultValue `'#!/usr/bin/env bash'` */
  readonly defaultShebang?: string;
  /** When true the script is sent on the submit command's stdin instead of as a path argument. */
  readonly scriptOnStdin?: boolean;
  /**
   * Builds the whole submission text from its parts, for a system whose submission is not a shell
   * script with directive lines (HTCondor's submit description). Without it the core's template is
   * used. A `templateFile` wins over both.
   */
  renderScript?(parts: JobScriptParts, job: ResolvedJobOptions<O>): string;
  /** When true the script file is read when the job runs, so it is kept after submission (`local`). */
  readonly scriptReadAtRunTime?: boolean;

  /** Memory in the system's notation, as used in its directives and in the `{{memory}}` placeholder. */
  formatMemory(bytes: number, job: ResolvedJobOptions<O>): string;
  /** Walltime in the system's notation. */
  formatWalltime(seconds: number): string;
  /**
   * The generated directive lines, without prefix, in order: `['-J flotilla-worker', '--mem=8G', …]`.
   * The core removes skipped ones and appends `jobExtraDirectives`. Throw a `ConfigurationError` for an
   * option the system cannot honour: option resolution calls this once, so the error comes at construction.
   */
  directives(job: ResolvedJobOptions<O>): string[];
  /** The submit command; the script's path is appended unless {@link scriptOnStdin}. */
  submitCommand(job: ResolvedJobOptions<O>): string[];
  /** The command that cancels these jobs. */
  cancelCommand(jobIds: readonly string[], job: ResolvedJobOptions<O>): string[];
  /** The command that prints the state of these jobs. */
  statusCommand(jobIds: readonly string[], job: ResolvedJobOptions<O>): string[];
  /**
   * Reads the status command's stdout into reports keyed by the job id as printed. Jobs that are not
   * mentioned are left out (the core reports them as `unknown`).
   */
  parseStatus(stdout: string): Map<string, JobStatusReport>;
  /** Where the job's stdout and stderr go, given the directives this adapter wrote. */
  outputFiles(job: ResolvedJobOptions<O>, jobId: string): JobOutputFiles;
}
