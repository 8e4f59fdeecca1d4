/**
 * The batch-system sections of the config file, checked against the adapters' options.
 *
 * A section is named after its system (`slurm:`), or has a name of its own and says which system it
 * is for (`gpu-nodes:` with `batch-system: slurm`), chosen with `configName`. Option names are the
 * camelCase constructor options in kebab-case. Every key is checked: an unknown one is an error that
 * names it, the file, and the valid keys.
 */
import { ConfigurationError } from '../errors/index.js';
import { didYouMean } from '../config/closest-name.js';
import { checkMode, isPlainMapping, parseConfigYaml, readConfigFile, type FlotillaMode } from '../config/config-file.js';
import { PROFILE_SECTION, parseProfileSection } from '../config/profile-config.js';
import type { OptionOwner, OptionValue } from './option-schema.js';
import { camelToKebab, checkOptionValue, kebabToCamel, optionKeysFor, optionSpecFor, unknownOptionMessage } from './option-schema.js';

/** The key of a named section that says which batch system it is for. */
export const BATCH_SYSTEM_KEY = 'batch-system';

/** One section's options, camelCase, checked (not yet resolved against defaults). */
export type JobqueueConfigSection = Readonly<Record<string, OptionValue>>;

/** The contents of the config file, checked and with option names in camelCase. */
export interface FlotillaConfig {
  /** Absolute path of the file that was read, or `null` when there was none. */
  readonly path: string | null;
  /** The `mode` key, when present. */
  readonly mode?: FlotillaMode;
  /**
   * Job options per section, as written in the file. A named section also holds `batchSystem`, the
   * system it is for.
   */
  readonly jobqueue: Readonly<Record<string, JobqueueConfigSection>>;
}

/** An empty config: no file. */
export const NO_CONFIG: FlotillaConfig = { path: null, jobqueue: {} };

/**
 * Loads and checks the config file.
 * @param options.env - where `FLOTILLA_CONFIG` and `HOME` are read. @defaultValue `process.env`
 * @param options.path - read this file instead (it must exist).
 * @param options.systems - the batch systems whose sections the file may have.
 * @throws ConfigurationError when the file named by `FLOTILLA_CONFIG` (or `path`) is missing, is not
 * valid YAML, or has an unknown key or a value of the wrong kind.
 */
export function loadFlotillaConfig(options: {
  env?: NodeJS.ProcessEnv;
  path?: string;
  systems: readonly OptionOwner[];
}): FlotillaConfig {
  const file = readConfigFile(options);
  if (file.text === null || file.path === null) return NO_CONFIG;
  return parseFlotillaConfig(file.text, file.path, options.systems);
}

/**
 * Checks the text of a config file. `path` is only used in messages and in the result.
 * @throws ConfigurationError as {@link loadFlotillaConfig}.
 */
export function parseFlotillaConfig(text: string, path: string, systems: readonly OptionOwner[]): FlotillaConfig {
  const document = parseConfigYaml(text, path);
  const topLevelKeys = ['mode', PROFILE_SECTION, ...systems.map((system) => system.name)];
  if (document === null) return { path, jobqueue: {} };
  if (!isPlainMapping(document)) {
    throw new ConfigurationError(
      `The flotilla config file ${path} must be a mapping with the keys ${topLevelKeys.join(', ')}; ` +
        `its top level is ${Array.isArray(document) ? 'a list' : typeof document}.`,
    );
  }
  let mode: FlotillaMode | undefined;
  const jobqueue: Record<string, JobqueueConfigSection> = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === 'mode') {
      mode = checkMode(value, path);
      continue;
    }
    if (key === PROFILE_SECTION) {
      // Read by every worker as it starts (config/profile-config.ts); checked here too, so a job-queue cluster fails early.
      parseProfileSection(value, path);
      continue;
    }
    const named = isPlainMapping(value) && Object.hasOwn(value, BATCH_SYSTEM_KEY);
    const system = systems.find((candidate) => candidate.name === key) ?? (named ? sectionSystem(key, value, systems, path) : undefined);
    if (system === undefined) {
      throw new ConfigurationError(
        `Unknown key \`${key}\` at the top level of ${path}.${didYouMean(key, topLevelKeys)} ` +
          `Valid keys: ${topLevelKeys.join(', ')}. A section with a name of its own says which batch system it is for, ` +
          `e.g. \`${key}:\` with \`${BATCH_SYSTEM_KEY}: ${systems[0]?.name ?? 'slurm'}\`.`,
      );
    }
    if (value === null || value === undefined) continue; // an empty section, e.g. `slurm:` with all lines commented out
    if (!isPlainMapping(value)) {
      throw new ConfigurationError(
        `The \`${key}\` section of ${path} must be a mapping of option names to values, got ${JSON.stringify(value)}.`,
      );
    }
    jobqueue[key] = parseSection(key, system, systems, value, path);
  }
  return mode === undefined ? { path, jobqueue } : { path, mode, jobqueue };
}

/** The options a config holds in one section (an empty object when it has no such section). */
export function jobqueueConfigSection(config: FlotillaConfig, section: string): JobqueueConfigSection {
  const options = config.jobqueue[section] ?? {};
  if (!Object.hasOwn(options, 'batchSystem')) return options;
  const { batchSystem: _batchSystem, ...rest } = options;
  return rest;
}

/**
 * The section that `system`'s jobs read: its own, or the one `configName` names.
 * @throws ConfigurationError when `configName` names no section of the file, or a section for another system.
 */
export function configSectionFor(config: FlotillaConfig, system: OptionOwner, configName: string | undefined): JobqueueConfigSection {
  if (configName === undefined || configName === system.name) return jobqueueConfigSection(config, system.name);
  const where = config.path ?? 'the config file (there is none: set FLOTILLA_CONFIG or write ~/.config/flotilla/jobqueue.yaml)';
  const section = config.jobqueue[configName];
  if (section === undefined) {
    const names = Object.keys(config.jobqueue);
    throw new ConfigurationError(
      `configName ${JSON.stringify(configName)} names no section of ${where}.${didYouMean(configName, names)} ` +
        `Sections there: ${names.join(', ') || 'none'}. Add \`${configName}:\` with \`${BATCH_SYSTEM_KEY}: ${system.name}\` and its options.`,
    );
  }
  const owner = section.batchSystem ?? configName;
  if (owner !== system.name) {
    throw new ConfigurationError(
      `configName ${JSON.stringify(configName)} names a section of ${where} for ${String(owner)} jobs, not ${system.name} jobs. ` +
        `Use a section whose ${BATCH_SYSTEM_KEY} is ${system.name}, or the cluster class of ${String(owner)}.`,
    );
  }
  return jobqueueConfigSection(config, configName);
}

function sectionSystem(key: string, section: Record<string, unknown>, systems: readonly OptionOwner[], path: string): OptionOwner {
  const name = section[BATCH_SYSTEM_KEY];
  const system = systems.find((candidate) => candidate.name === name);
  if (system === undefined) {
    const names = systems.map((candidate) => candidate.name);
    throw new ConfigurationError(
      `The \`${key}\` section of ${path} has ${BATCH_SYSTEM_KEY}: ${JSON.stringify(name)}, which is not a batch system.` +
        `${typeof name === 'string' ? didYouMean(name, names) : ''} Use one of ${names.join(', ')}.`,
    );
  }
  return system;
}

function parseSection(
  key: string,
  system: OptionOwner,
  systems: readonly OptionOwner[],
  section: Record<string, unknown>,
  path: string,
): JobqueueConfigSection {
  const valid = new Set<string>(optionKeysFor(system).map(camelToKebab));
  const options: Record<string, OptionValue> = {};
  for (const [kebabKey, value] of Object.entries(section)) {
    if (kebabKey === BATCH_SYSTEM_KEY && key !== system.name) {
      options.batchSystem = system.name;
      continue;
    }
    if (!valid.has(kebabKey)) {
      throw new ConfigurationError(unknownOptionMessage(kebabKey, system, systems, `In the \`${key}\` section of ${path}`, camelToKebab));
    }
    if (value === null || value === undefined) continue; // `key: null` or `key:` means "not set here"
    const camelKey = kebabToCamel(kebabKey);
    const spec = optionSpecFor(system, camelKey);
    if (spec === undefined) continue; // unreachable: `valid` holds exactly the keys with a spec
    options[camelKey] = checkOptionValue(camelKey, spec, value, { description: `${key}.${kebabKey} in ${path}`, isText: false });
  }
  return options;
}
