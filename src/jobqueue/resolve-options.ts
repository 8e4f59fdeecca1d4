/**
 * Option resolution: constructor, then the YAML config file, then `FLOTILLA_JOBQUEUE__<SYSTEM>__<KEY>`
 * environment variables, then defaults (see `options.ts`), followed by the checks and derived values
 * (processes, threads, per-process memory, walltime in seconds, worker lifetime).
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError } from '../errors/index.js';
import { jobqueueConfigSection, loadFlotillaConfig, type FlotillaConfig } from '../config/config-file.js';
import type { BatchSystem } from './batch-system.js';
import type { AnyJobOptions, JobOptionKey, SystemName } from './options.js';
import { SYSTEM_NAMES } from './options.js';
import {
  ENV_PREFIX,
  camelToKebab,
  checkOptionValue,
  envVariableFor,
  isJobOptionKey,
  kebabToCamel,
  optionKeysFor,
  unknownOptionMessage,
  type OptionValue,
} from './option-schema.js';
import { parseBytes, parseWalltime, type LsfUnit } from './units.js';

/** Where a resolved option's value came from. */
export type OptionSource = 'constructor' | 'config' | 'env' | 'default';

/**
 * Job options after resolution: every value settled, checked and converted to the units the core
 * works in. Built once per cluster by {@link resolveJobOptions}; adapters read it to write directives.
 */
export interface ResolvedJobOptions {
  readonly system: SystemName;
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
  readonly account: string | undefined;
  readonly project: string | undefined;
  readonly resourceSpec: string | undefined;
  readonly jobCpu: number | undefined;
  readonly jobMem: string | undefined;
  readonly ncpus: number | undefined;
  /** LSF's `mem` override, in bytes. */
  readonly memBytes: number | undefined;
  readonly lsfUnits: LsfUnit | undefined;
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
  readonly interface: string | undefined;
  readonly host: string | undefined;
  /** Seconds. */
  readonly deathTimeout: number;
  readonly localDirectory: string | undefined;
  /** Absolute path, when set. */
  readonly templateFile: string | undefined;
  /** The directory jobs are submitted from (their working directory on most systems). */
  readonly cwd: string;
  /** Where each option that has a value got it from: useful when a setting is not what you expected. */
  readonly sources: Readonly<Partial<Record<JobOptionKey, OptionSource>>>;
}

/** Where {@link resolveJobOptions} reads the config file and environment, and how it names the caller. */
export interface ResolveContext {
  /** The config file's contents. @defaultValue `loadFlotillaConfig({ env })` */
  readonly config?: FlotillaConfig;
  /** Environment variables to read. @defaultValue `process.env` */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory for relative paths and for submission. @defaultValue `process.cwd()` */
  readonly cwd?: string;
  /**
   * Constructor keys the caller handles itself (e.g. the cluster's `nWorkers`, `security`): they are
   * accepted and listed as valid, but not resolved here.
   */
  readonly otherKeys?: readonly string[];
  /** How the constructor is named in messages. @defaultValue the system's `clusterName`, e.g. `'SLURMCluster'` */
  readonly constructorName?: string;
}

/** Default job name, also the log file prefix. */
export const DEFAULT_JOB_NAME = 'flotilla-worker';
/** Default log directory, relative to the working directory. */
export const DEFAULT_LOG_DIRECTORY = '.flotilla-logs';
/** Default first line of job scripts. */
export const DEFAULT_SHEBANG = '#!/usr/bin/env bash';
/** Default seconds a worker waits for an unreachable scheduler. */
export const DEFAULT_DEATH_TIMEOUT_SECONDS = 60;
/** Upper bound of the default lifetime margin: 5 minutes. */
export const MAX_DEFAULT_LIFETIME_MARGIN_SECONDS = 300;

/**
 * dask's split of a job's cores into worker processes: up to 4 cores, one process per core; above,
 * the smallest divisor of `cores` that is at least √cores (so threads ≤ processes, and every core is used).
 * @example processesForCores(8) // 4 (4 processes × 2 threads)
 */
export function processesForCores(cores: number): number {
  if (cores <= 4) return cores;
  for (let candidate = Math.ceil(Math.sqrt(cores)); candidate <= cores; candidate++) {
    if (cores % candidate === 0) return candidate;
  }
  return cores;
}

/**
 * Resolves the options of one job-queue cluster: constructor, then config file, then environment,
 * then defaults; then checks them and derives processes, threads, memory per process, walltime and
 * worker lifetime.
 *
 * @param system - the batch system the jobs go to.
 * @param options - the constructor's options (unknown keys are refused).
 * @throws ConfigurationError for an unknown option (naming it, suggesting the closest valid name and
 * listing the valid ones), a value of the wrong kind, missing `cores`/`memory`, more processes than
 * cores, a lifetime margin not shorter than the walltime, or a bad `FLOTILLA_JOBQUEUE__…` variable.
 */
export function resolveJobOptions(
  system: BatchSystem,
  options: Readonly<Partial<AnyJobOptions>> | Readonly<Record<string, unknown>> = {},
  context: ResolveContext = {},
): ResolvedJobOptions {
  const env = context.env ?? process.env;
  const config = context.config ?? loadFlotillaConfig({ env });
  const cwd = context.cwd ?? process.cwd();
  const constructorName = context.constructorName ?? system.clusterName;
  const layers = {
    constructor: readConstructorOptions(system.name, options as Readonly<Record<string, unknown>>, constructorName, context.otherKeys ?? []),
    config: jobqueueConfigSection(config, system.name) as Partial<Record<JobOptionKey, OptionValue>>,
    env: readEnvironmentOptions(system.name, env),
  };
  const sources: Partial<Record<JobOptionKey, OptionSource>> = {};
  const lookup = (key: JobOptionKey): OptionValue => {
    for (const source of ['constructor', 'config', 'env'] as const) {
      const value = layers[source][key];
      if (value !== undefined) {
        sources[key] = source;
        return value;
      }
    }
    return undefined;
  };
  const str = (key: JobOptionKey): string | undefined => lookup(key) as string | undefined;
  const num = (key: JobOptionKey): number | undefined => lookup(key) as number | undefined;
  const list = (key: JobOptionKey): readonly string[] => (lookup(key) as readonly string[] | undefined) ?? [];
  const withDefault = <T>(key: JobOptionKey, value: T | undefined, fallback: T): T => {
    if (value !== undefined) return value;
    sources[key] = 'default';
    return fallback;
  };

  const coresValue = num('cores');
  const memoryValue = lookup('memory') as string | number | undefined;
  if (coresValue === undefined || memoryValue === undefined) {
    const missing = [coresValue === undefined ? 'cores' : '', memoryValue === undefined ? 'memory' : ''].filter(Boolean);
    throw new ConfigurationError(
      `${constructorName} needs to know how many cores and how much memory each job gets; ${missing.join(' and ')} ` +
        `${missing.length > 1 ? 'are' : 'is'} not set. For example:\n` +
        `  new ${constructorName}({ cores: ${coresValue ?? 8}, memory: '${memoryValue ?? '24 GB'}' })\n` +
        `or set them in the \`${system.name}\` section of ${config.path ?? 'the config file (~/.config/flotilla/jobqueue.yaml)'}.`,
    );
  }
  const cores = coresValue;
  const memoryBytes = parseBytes(memoryValue, 'memory');
  if (memoryBytes <= 0) {
    throw new ConfigurationError(`memory must be more than 0 bytes, got ${JSON.stringify(memoryValue)}. Example: '16 GB'.`);
  }
  const processes = withDefault('processes', num('processes'), processesForCores(cores));
  if (processes > cores) {
    throw new ConfigurationError(
      `processes (${processes}) is more than cores (${cores}): each worker process needs at least one core. ` +
        `Use processes ≤ ${cores}, or ask for more cores.`,
    );
  }

  const walltimeValue = lookup('walltime') as string | number | undefined;
  const walltimeSeconds =
    walltimeValue !== undefined
      ? parseWalltime(walltimeValue, system.twoFieldWalltime)
      : system.defaultWalltime === null
        ? null
        : parseWalltime(system.defaultWalltime, system.twoFieldWalltime);
  if (walltimeValue === undefined && walltimeSeconds !== null) sources.walltime = 'default';
  const lifetime = workerLifetime(walltimeSeconds, num('lifetimeMarginSeconds'), num('lifetimeStaggerSeconds'));

  const logDirectory = resolve(cwd, withDefault('logDirectory', str('logDirectory'), DEFAULT_LOG_DIRECTORY));
  if (/\s/.test(logDirectory)) {
    throw new ConfigurationError(
      `logDirectory ${JSON.stringify(logDirectory)} contains whitespace, which batch directives such as -o cannot ` +
        `quote. Choose a directory without spaces.`,
    );
  }
  const templateFile = str('templateFile');
  const nodeExecutable = withDefault<string | readonly string[]>('nodeExecutable', lookup('nodeExecutable') as string | readonly string[] | undefined, process.execPath);
  const mem = lookup('mem') as string | number | undefined;

  return {
    system: system.name,
    cores,
    memoryBytes,
    processes,
    threadsPerProcess: Math.max(1, Math.floor(cores / processes)),
    memoryPerProcessBytes: Math.floor(memoryBytes / processes),
    jobName: withDefault('jobName', str('jobName'), DEFAULT_JOB_NAME),
    name: withDefault('name', str('name'), system.clusterName),
    queue: str('queue'),
    account: str('account'),
    project: str('project'),
    resourceSpec: str('resourceSpec'),
    jobCpu: num('jobCpu'),
    jobMem: str('jobMem'),
    ncpus: num('ncpus'),
    memBytes: mem === undefined ? undefined : parseBytes(mem, 'mem'),
    lsfUnits: lookup('lsfUnits') as LsfUnit | undefined,
    walltimeSeconds,
    ...lifetime,
    jobExtraDirectives: list('jobExtraDirectives'),
    jobDirectivesSkip: list('jobDirectivesSkip'),
    jobScriptPrologue: list('jobScriptPrologue'),
    jobScriptEpilogue: list('jobScriptEpilogue'),
    workerExtraArgs: list('workerExtraArgs'),
    logDirectory,
    shebang: withDefault('shebang', str('shebang'), DEFAULT_SHEBANG),
    nodeExecutable: typeof nodeExecutable === 'string' ? [nodeExecutable] : [...nodeExecutable],
    interface: str('interface'),
    host: str('host'),
    deathTimeout: withDefault('deathTimeout', num('deathTimeout'), DEFAULT_DEATH_TIMEOUT_SECONDS),
    localDirectory: str('localDirectory'),
    templateFile: templateFile === undefined ? undefined : isAbsolute(templateFile) ? templateFile : resolve(cwd, templateFile),
    cwd,
    sources,
  };
}

/**
 * The worker lifetime for a walltime: `walltime − margin`, with margin defaulting to 5 minutes but at
 * most 10 % of the walltime, and stagger to half the margin. Even a worker whose lifetime is staggered
 * upwards then retires at least `margin − stagger` before the batch system kills the job.
 */
export function workerLifetime(
  walltimeSeconds: number | null,
  marginSeconds: number | undefined,
  staggerSeconds: number | undefined,
): { lifetimeSeconds: number | null; lifetimeStaggerSeconds: number | null } {
  if (walltimeSeconds === null) return { lifetimeSeconds: null, lifetimeStaggerSeconds: null };
  const margin = marginSeconds ?? Math.min(MAX_DEFAULT_LIFETIME_MARGIN_SECONDS, Math.floor(walltimeSeconds / 10));
  if (margin >= walltimeSeconds) {
    throw new ConfigurationError(
      `lifetimeMarginSeconds (${margin}) must be shorter than the walltime (${walltimeSeconds} s), or workers ` +
        `would retire before they start. Use a smaller margin or a longer walltime.`,
    );
  }
  const stagger = staggerSeconds ?? Math.floor(margin / 2);
  if (stagger > margin) {
    throw new ConfigurationError(
      `lifetimeStaggerSeconds (${stagger}) must not exceed lifetimeMarginSeconds (${margin}), or a worker could ` +
        `still be running when the walltime ends. Use a stagger ≤ ${margin}.`,
    );
  }
  return { lifetimeSeconds: Math.floor(walltimeSeconds - margin), lifetimeStaggerSeconds: Math.floor(stagger) };
}

function readConstructorOptions(
  system: SystemName,
  options: Readonly<Record<string, unknown>>,
  constructorName: string,
  otherKeys: readonly string[],
): Partial<Record<JobOptionKey, OptionValue>> {
  const valid = new Set<string>(optionKeysFor(system));
  const result: Partial<Record<JobOptionKey, OptionValue>> = {};
  const origin = { description: `new ${constructorName}(…)`, isText: false };
  for (const [key, value] of Object.entries(options)) {
    if (otherKeys.includes(key)) continue;
    if (!valid.has(key) || !isJobOptionKey(key)) {
      throw new ConfigurationError(unknownOptionMessage(key, system, `new ${constructorName}(…)`, (k) => k, otherKeys));
    }
    if (value === undefined || value === null) continue;
    result[key] = checkOptionValue(key, value, origin);
  }
  return result;
}

/** Reads `FLOTILLA_JOBQUEUE__<SYSTEM>__<KEY>` variables for `system`, refusing misspelt ones for any system. */
function readEnvironmentOptions(system: SystemName, env: NodeJS.ProcessEnv): Partial<Record<JobOptionKey, OptionValue>> {
  const result: Partial<Record<JobOptionKey, OptionValue>> = {};
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || value === undefined) continue;
    const match = /^([A-Z]+)__([A-Z0-9_]+)$/.exec(variable.slice(ENV_PREFIX.length));
    const variableSystem = SYSTEM_NAMES.find((name) => name.toUpperCase() === match?.[1]);
    if (!match || variableSystem === undefined) {
      throw new ConfigurationError(
        `Environment variable ${variable} does not name a batch system and an option. Write it as ` +
          `${ENV_PREFIX}<SYSTEM>__<OPTION>, SYSTEM one of ${SYSTEM_NAMES.map((s) => s.toUpperCase()).join(', ')}, ` +
          `e.g. ${envVariableFor('slurm', 'walltime')}=01:00:00.`,
      );
    }
    if (variableSystem !== system) continue; // checked when that system's options are resolved
    const kebab = (match[2] ?? '').toLowerCase().replace(/_/g, '-');
    const key = kebabToCamel(kebab);
    if (!isJobOptionKey(key) || !optionKeysFor(system).includes(key)) {
      const spellAsEnv = (camel: string): string => camelToKebab(camel).replace(/-/g, '_').toUpperCase();
      throw new ConfigurationError(
        unknownOptionMessage(match[2] ?? '', system, `Environment variable ${variable}`, spellAsEnv),
      );
    }
    result[key] = checkOptionValue(key, value, { description: `environment variable ${variable}`, isText: true });
  }
  return result;
}
