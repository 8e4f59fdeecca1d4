/**
 * The user's flotilla config file: `$FLOTILLA_CONFIG` if set, else `~/.config/flotilla/jobqueue.yaml`.
 *
 * ```yaml
 * mode: processes          # processes | threads | sync, used by the runtime
 * slurm:                   # one section per batch system: slurm, sge, pbs, lsf, local
 *   cores: 8
 *   memory: 16 GB
 *   walltime: '01:00:00'   # quote it: some YAML readers turn 01:00:00 into a number
 *   queue: debug
 *   job-extra-directives: ['--exclusive']
 * ```
 *
 * Option names are the camelCase constructor options in kebab-case. Every key is checked: an unknown
 * one is an error that names it, the file, and the valid keys. A missing default file is an empty
 * config; a missing file named by `FLOTILLA_CONFIG` is an error (it was asked for by name).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigurationError } from '../errors/index.js';
import type { AnyJobOptions, JobOptionKey, SystemName } from '../jobqueue/options.js';
import { SYSTEM_NAMES } from '../jobqueue/options.js';
import {
  camelToKebab,
  checkOptionValue,
  kebabToCamel,
  optionKeysFor,
  unknownOptionMessage,
} from '../jobqueue/option-schema.js';
import { didYouMean } from './closest-name.js';

/** How the runtime runs tasks (read by the runtime, only checked here). */
export type FlotillaMode = 'processes' | 'threads' | 'sync';

const MODES: readonly FlotillaMode[] = ['processes', 'threads', 'sync'];

/** The contents of the config file, checked and with option names in camelCase. */
export interface FlotillaConfig {
  /** Absolute path of the file that was read, or `null` when there was none. */
  readonly path: string | null;
  /** The `mode` key, when present. */
  readonly mode?: FlotillaMode;
  /** Job options per batch system, as written in the file (not yet resolved against defaults). */
  readonly jobqueue: Readonly<Partial<Record<SystemName, Readonly<Partial<AnyJobOptions>>>>>;
}

/** Where the config file is looked for, and whether it was named explicitly by `FLOTILLA_CONFIG`. */
export function configFileLocation(env: NodeJS.ProcessEnv = process.env): { path: string; explicit: boolean } {
  const named = env.FLOTILLA_CONFIG;
  if (named !== undefined && named !== '') return { path: resolve(named), explicit: true };
  return { path: join(env.HOME ?? homedir(), '.config', 'flotilla', 'jobqueue.yaml'), explicit: false };
}

/**
 * Loads and checks the config file.
 * @param options.env - where `FLOTILLA_CONFIG` and `HOME` are read. @defaultValue `process.env`
 * @param options.path - read this file instead (it must exist).
 * @throws ConfigurationError when the file named by `FLOTILLA_CONFIG` (or `path`) is missing, is not
 * valid YAML, or has an unknown key or a value of the wrong kind.
 */
export function loadFlotillaConfig(options: { env?: NodeJS.ProcessEnv; path?: string } = {}): FlotillaConfig {
  const location =
    options.path !== undefined ? { path: resolve(options.path), explicit: true } : configFileLocation(options.env);
  let text: string;
  try {
    text = readFileSync(location.path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !location.explicit) return { path: null, jobqueue: {} };
    throw new ConfigurationError(
      `Cannot read the flotilla config file ${location.path}${location.explicit ? ' (named by FLOTILLA_CONFIG)' : ''}: ` +
        `${(error as Error).message}. Fix the path in FLOTILLA_CONFIG, or unset it to use ~/.config/flotilla/jobqueue.yaml.`,
      { cause: error },
    );
  }
  return parseFlotillaConfig(text, location.path);
}

/**
 * Checks the text of a config file. `path` is only used in messages and in the result.
 * @throws ConfigurationError as {@link loadFlotillaConfig}.
 */
export function parseFlotillaConfig(text: string, path: string): FlotillaConfig {
  let document: unknown;
  try {
    document = YAML.parse(text);
  } catch (error) {
    throw new ConfigurationError(`The flotilla config file ${path} is not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (document === null || document === undefined) return { path, jobqueue: {} };
  if (!isPlainMapping(document)) {
    throw new ConfigurationError(
      `The flotilla config file ${path} must be a mapping with the keys ${topLevelKeys().join(', ')}; ` +
        `its top level is ${Array.isArray(document) ? 'a list' : typeof document}.`,
    );
  }
  let mode: FlotillaMode | undefined;
  const jobqueue: Partial<Record<SystemName, Partial<AnyJobOptions>>> = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === 'mode') {
      mode = MODES.find((m) => m === value);
      if (mode === undefined) {
        throw new ConfigurationError(
          `mode in ${path} must be one of ${MODES.join(', ')}, got ${JSON.stringify(value)}.`,
        );
      }
      continue;
    }
    const system = SYSTEM_NAMES.find((name) => name === key);
    if (system === undefined) {
      throw new ConfigurationError(
        `Unknown key \`${key}\` at the top level of ${path}.${didYouMean(key, topLevelKeys())} ` +
          `Valid keys: ${topLevelKeys().join(', ')}.`,
      );
    }
    if (value === null || value === undefined) continue; // an empty section, e.g. `slurm:` with all lines commented out
    if (!isPlainMapping(value)) {
      throw new ConfigurationError(
        `The \`${key}\` section of ${path} must be a mapping of option names to values, got ${JSON.stringify(value)}.`,
      );
    }
    jobqueue[system] = parseSection(system, value, path);
  }
  return mode === undefined ? { path, jobqueue } : { path, mode, jobqueue };
}

/** The options a config holds for one system (an empty object when it has no such section). */
export function jobqueueConfigSection(config: FlotillaConfig, system: SystemName): Readonly<Partial<AnyJobOptions>> {
  return config.jobqueue[system] ?? {};
}

function parseSection(system: SystemName, section: Record<string, unknown>, path: string): Partial<AnyJobOptions> {
  const valid = new Set<string>(optionKeysFor(system).map(camelToKebab));
  const options: Partial<Record<JobOptionKey, unknown>> = {};
  for (const [kebabKey, value] of Object.entries(section)) {
    if (!valid.has(kebabKey)) {
      throw new ConfigurationError(unknownOptionMessage(kebabKey, system, `In the \`${system}\` section of ${path}`, camelToKebab));
    }
    if (value === null || value === undefined) continue; // `key: null` or `key:` means "not set here"
    const key = kebabToCamel(kebabKey) as JobOptionKey;
    options[key] = checkOptionValue(key, value, { description: `${system}.${kebabKey} in ${path}`, isText: false });
  }
  return options as Partial<AnyJobOptions>;
}

function topLevelKeys(): string[] {
  return ['mode', ...SYSTEM_NAMES];
}

function isPlainMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
