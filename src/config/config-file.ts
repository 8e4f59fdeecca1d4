/**
 * The user's flotilla config file: `$FLOTILLA_CONFIG` if set, else `~/.config/flotilla/jobqueue.yaml`.
 *
 * ```yaml
 * mode: processes          # processes | threads | sync, used by the runtime
 * slurm:                   # one section per batch system: slurm, sge, pbs, lsf, htcondor, oar, moab, local
 *   cores: 8
 *   memory: 16 GB
 *   walltime: '01:00:00'   # quote it: some YAML readers turn 01:00:00 into a number
 *   queue: debug
 *   job-extra-directives: ['--exclusive']
 * gpu-nodes:               # a named section, chosen with configName: 'gpu-nodes'
 *   batch-system: slurm
 *   cores: 4
 * profile:                 # how workers sample their task threads (config/profile-config.ts)
 *   interval: 10ms
 * ```
 *
 * This module reads the file and its `mode`; the job-queue core checks the batch-system sections
 * against the adapters' options (`jobqueue/config-sections.ts`). A missing default file is an empty
 * config; a missing file named by `FLOTILLA_CONFIG` is an error (it was asked for by name).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { ConfigurationError } from '../errors/index.js';

/** How the runtime runs tasks (read by the runtime, only checked here). */
export type FlotillaMode = 'processes' | 'threads' | 'sync';

/** The values `mode` may take. */
export const FLOTILLA_MODES: readonly FlotillaMode[] = ['processes', 'threads', 'sync'];

/** The config file's text and where it was read, or `null` text when there is no file. */
export interface ConfigFileText {
  /** Absolute path of the file that was read, or `null` when there was none. */
  readonly path: string | null;
  readonly text: string | null;
}

/** Where the config file is looked for, and whether it was named explicitly by `FLOTILLA_CONFIG`. */
export function configFileLocation(env: NodeJS.ProcessEnv = process.env): { path: string; explicit: boolean } {
  const named = env.FLOTILLA_CONFIG;
  if (named !== undefined && named !== '') return { path: resolve(named), explicit: true };
  return { path: join(env.HOME ?? homedir(), '.config', 'flotilla', 'jobqueue.yaml'), explicit: false };
}

/**
 * Reads the config file's text.
 * @param options.env - where `FLOTILLA_CONFIG` and `HOME` are read. @defaultValue `process.env`
 * @param options.path - read this file instead (it must exist).
 * @throws ConfigurationError when the file named by `FLOTILLA_CONFIG` (or `path`) cannot be read.
 */
export function readConfigFile(options: { env?: NodeJS.ProcessEnv; path?: string } = {}): ConfigFileText {
  const location =
    options.path !== undefined ? { path: resolve(options.path), explicit: true } : configFileLocation(options.env);
  try {
    return { path: location.path, text: readFileSync(location.path, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !location.explicit) return { path: null, text: null };
    throw new ConfigurationError(
      `Cannot read the flotilla config file ${location.path}${location.explicit ? ' (named by FLOTILLA_CONFIG)' : ''}: ` +
        `${(error as Error).message}. Fix the path in FLOTILLA_CONFIG, or unset it to use ~/.config/flotilla/jobqueue.yaml.`,
      { cause: error },
    );
  }
}

/**
 * The YAML reader, loaded on the first file to parse: every worker reads its config file as it starts,
 * and most have none, so they start without it (about 40 ms of CPU per process).
 */
let yaml: typeof import('yaml') | undefined;
function yamlParser(): typeof import('yaml') {
  return (yaml ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

/**
 * Parses the config file's YAML.
 * @returns the document: `null` for an empty file.
 * @throws ConfigurationError when the text is not valid YAML.
 */
export function parseConfigYaml(text: string, path: string): unknown {
  try {
    return yamlParser().parse(text) ?? null;
  } catch (error) {
    throw new ConfigurationError(`The flotilla config file ${path} is not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Checks the `mode` key's value.
 * @throws ConfigurationError when it is not one of {@link FLOTILLA_MODES}.
 */
export function checkMode(value: unknown, path: string): FlotillaMode {
  const mode = FLOTILLA_MODES.find((m) => m === value);
  if (mode === undefined) {
    throw new ConfigurationError(`mode in ${path} must be one of ${FLOTILLA_MODES.join(', ')}, got ${JSON.stringify(value)}.`);
  }
  return mode;
}

/**
 * The `mode` of the config file, or `undefined` when there is none (no file, or no `mode` key). The
 * batch-system sections are not checked here: that is done when a job-queue cluster reads them.
 * @throws ConfigurationError for an unreadable named file, invalid YAML or a bad `mode`.
 */
export function loadFlotillaMode(options: { env?: NodeJS.ProcessEnv; path?: string } = {}): FlotillaMode | undefined {
  const file = readConfigFile(options);
  if (file.text === null || file.path === null) return undefined;
  const document = parseConfigYaml(file.text, file.path);
  if (!isPlainMapping(document) || document.mode === undefined) return undefined;
  return checkMode(document.mode, file.path);
}

/** Whether a YAML value is a mapping (not a list, not a scalar). */
export function isPlainMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
