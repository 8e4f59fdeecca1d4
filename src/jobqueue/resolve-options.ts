/**
 * Option resolution: constructor, then the YAML config file, then `FLOTILLA_JOBQUEUE__<SYSTEM>__<KEY>`
 * environment variables, then defaults (see `options.ts`), followed by the checks and derived values
 * (processes, threads, per-process memory, walltime in seconds, worker lifetime).
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError } from '../errors/index.js';
import type { BatchSystem } from './batch-system.js';
import { configSectionFor, loadFlotillaConfig, type FlotillaConfig } from './config-sections.js';
import { readConstructorOptions, readEnvironmentOptions } from './option-layers.js';
import type { OptionValue } from './option-schema.js';
import type { JobQueueOptions, SchedulerOptions } from './options.js';
import type { OptionSource, ResolvedJobOptions, ResolvedSharedOptions } from './resolved-options.js';
import { parseBytes, parseWalltime } from './units.js';
import { DEFAULT_PROCESSES_PER_NODE } from '../util/worker-split.js';

export type { OptionSource, ResolvedJobOptions } from './resolved-options.js';

/** Where {@link resolveJobOptions} reads the config file and environment, and how it names the caller. */
export interface ResolveContext {
  /** The config file's contents. @defaultValue `loadFlotillaConfig({ env, systems })` */
  readonly config?: FlotillaConfig;
  /**
   * Every batch system the config file and the environment may name (the system being resolved is
   * added when missing): used to check their sections and variables, and to say which system an
   * option belongs to. Job-queue clusters pass the built-in adapters.
   * @defaultValue only the system being resolved
   */
  readonly systems?: readonly BatchSystem[];
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
 * Resolves the options of one job-queue cluster: constructor, then config file, then environment,
 * then defaults; then checks them and derives processes, threads, memory per process, walltime and
 * worker lifetime.
 *
 * @param system - the batch system the jobs go to.
 * @param options - the constructor's options (unknown keys are refused).
 * @throws ConfigurationError for an unknown option (naming it, suggesting the closest valid name and
 * listing the valid ones), a value of the wrong kind, missing `cores`/`memory`, more processes than
 * cores, a lifetime margin not shorter than the walltime, or a bad `FLOTILLA_JOBQUEUE__…` variable.
 * @example
 * const job = resolveJobOptions(slurm, { cores: 8, memory: '16 GB', processes: 2 });
 * job.threadsPerProcess; // 4
 */
export function resolveJobOptions<O extends JobQueueOptions>(
  system: BatchSystem<O>,
  options: Readonly<O> | Readonly<Record<string, unknown>> = {},
  context: ResolveContext = {},
): ResolvedJobOptions<O> {
  checkBatchSystem(system, context.constructorName ?? 'resolveJobOptions');
  const env = context.env ?? process.env;
  const systems: readonly BatchSystem[] = [
    ...(context.systems ?? []).filter((other) => other.name !== system.name),
    system as unknown as BatchSystem,
  ];
  const config = context.config ?? loadFlotillaConfig({ env, systems });
  const cwd = context.cwd ?? process.cwd();
  const constructorName = context.constructorName ?? system.clusterName;
  const given = options as Readonly<Record<string, unknown>>;
  const configName = readConfigName(given.configName, constructorName);
  const layers = {
    constructor: readConstructorOptions(system, systems, given, constructorName, [...(context.otherKeys ?? []), 'configName']),
    config: configSectionFor(config, system, configName),
    env: readEnvironmentOptions(system, systems, env),
  };
  const sources: Partial<Record<string, OptionSource>> = {};
  const lookup = (key: string): OptionValue => {
    for (const source of ['constructor', 'config', 'env'] as const) {
      const value = layers[source][key];
      if (value !== undefined) {
        sources[key] = source;
        return value;
      }
    }
    return undefined;
  };
  const str = (key: string): string | undefined => lookup(key) as string | undefined;
  const num = (key: string): number | undefined => lookup(key) as number | undefined;
  const list = (key: string): readonly string[] => (lookup(key) as readonly string[] | undefined) ?? [];
  const withDefault = <T>(key: string, value: T | undefined, fallback: T): T => {
    if (value !== undefined) return value;
    sources[key] = 'default';
    return fallback;
  };
  const section = configName ?? system.name;

  const coresValue = num('cores');
  const memoryValue = lookup('memory') as string | number | undefined;
  if (coresValue === undefined || memoryValue === undefined) {
    const missing = [coresValue === undefined ? 'cores' : '', memoryValue === undefined ? 'memory' : ''].filter(Boolean);
    throw new ConfigurationError(
      `${constructorName} needs to know how many cores and how much memory each job gets; ${missing.join(' and ')} ` +
        `${missing.length > 1 ? 'are' : 'is'} not set. For example:\n` +
        `  new ${constructorName}({ cores: ${coresValue ?? 8}, memory: '${memoryValue ?? '24 GB'}' })\n` +
        `or set them in the \`${section}\` section of ${config.path ?? 'the config file (~/.config/flotilla/jobqueue.yaml)'}.`,
    );
  }
  const cores = coresValue;
  const memoryBytes = parseBytes(memoryValue, 'memory');
  if (memoryBytes <= 0) {
    throw new ConfigurationError(`memory must be more than 0 bytes, got ${JSON.stringify(memoryValue)}. Example: '16 GB'.`);
  }
  const processes = withDefault('processes', num('processes'), Math.min(DEFAULT_PROCESSES_PER_NODE, cores));
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
  const workerCommand = lookup('workerCommand') as string | readonly string[] | undefined;
  const scheduler = (lookup('schedulerOptions') as SchedulerOptions | undefined) ?? {};
  const systemValues: Record<string, OptionValue> = {};
  for (const key of Object.keys(system.options)) {
    const value = lookup(key);
    // Bytes are checked for their text here, so a bad value fails at construction, not at submission.
    if (value !== undefined && system.options[key as keyof typeof system.options].kind === 'bytes') parseBytes(value as string | number, key);
    systemValues[key] = value;
  }

  const shared: ResolvedSharedOptions = {
    system: system.name,
    configSection: section,
    cores,
    memoryBytes,
    processes,
    threadsPerProcess: Math.max(1, Math.floor(cores / processes)),
    memoryPerProcessBytes: Math.floor(memoryBytes / processes),
    jobName: withDefault('jobName', str('jobName'), DEFAULT_JOB_NAME),
    name: withDefault('name', str('name'), system.clusterName),
    queue: str('queue'),
    walltimeSeconds,
    ...lifetime,
    jobExtraDirectives: list('jobExtraDirectives'),
    jobDirectivesSkip: list('jobDirectivesSkip'),
    jobScriptPrologue: list('jobScriptPrologue'),
    jobScriptEpilogue: list('jobScriptEpilogue'),
    workerExtraArgs: list('workerExtraArgs'),
    logDirectory,
    shebang: withDefault('shebang', str('shebang'), system.defaultShebang ?? DEFAULT_SHEBANG),
    nodeExecutable: typeof nodeExecutable === 'string' ? [nodeExecutable] : [...nodeExecutable],
    workerCommand: typeof workerCommand === 'string' || workerCommand === undefined ? workerCommand : [...workerCommand],
    interface: str('interface'),
    host: str('host'),
    schedulerInterface: scheduler.interface ?? str('schedulerInterface') ?? str('interface'),
    schedulerHost: scheduler.host ?? str('host'),
    schedulerPort: scheduler.port ?? num('schedulerPort') ?? 0,
    schedulerDashboardAddress: scheduler.dashboardAddress,
    workerInterface: str('workerInterface') ?? str('interface'),
    workerRestarts: num('workerRestarts'),
    deathTimeout: withDefault('deathTimeout', num('deathTimeout'), DEFAULT_DEATH_TIMEOUT_SECONDS),
    localDirectory: str('localDirectory'),
    templateFile: templateFile === undefined ? undefined : isAbsolute(templateFile) ? templateFile : resolve(cwd, templateFile),
    cwd,
    sources,
  };
  // The system's own values sit beside the shared ones; each adapter's options type says which they are.
  // (Checked against the adapter's schema above; the cast is where the schema meets its types.)
  const resolved = { ...systemValues, ...shared } as unknown as ResolvedJobOptions<O>;
  // An adapter refuses an option it cannot honour from directives(): ask once, so that it fails here.
  system.directives(resolved);
  return resolved;
}

/**
 * Checks that `system` is a batch system adapter, so that a cluster or resolver given none (or given
 * its options in the adapter's place) says so instead of failing on a missing property.
 * @throws ConfigurationError naming the caller and what it lacks.
 */
export function checkBatchSystem(system: unknown, caller: string): void {
  const candidate = system as Partial<BatchSystem> | undefined;
  const ok =
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.directives === 'function' &&
    typeof candidate.submitCommand === 'function' &&
    typeof candidate.options === 'object';
  if (ok) return;
  const got =
    candidate === undefined
      ? 'nothing'
      : typeof candidate === 'object' && candidate !== null && !('submitCommand' in candidate)
        ? `an object without submitCommand (${JSON.stringify(Object.keys(candidate).slice(0, 6))}), perhaps the job options`
        : `${typeof candidate} ${String(candidate)}`;
  throw new ConfigurationError(
    `${caller} has no batch system: it needs a batch-system adapter (such as \`slurm\` from cluster-adapters) and got ${got}. ` +
      `Use a cluster class of one system, e.g. new SLURMCluster({ cores: 8, memory: '16 GB' }), or ` +
      `new JobQueueCluster(slurm, { cores: 8, memory: '16 GB' }), or make your own with clusterClass(adapter).`,
  );
}

function readConfigName(value: unknown, constructorName: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  throw new ConfigurationError(
    `new ${constructorName}(…): configName must be the name of a config file section, e.g. 'gpu-nodes', got ${JSON.stringify(value)}.`,
  );
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
