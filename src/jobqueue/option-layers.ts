/**
 * Two of the three places an option is read from, checked key by key: the constructor's object and
 * the `FLOTILLA_JOBQUEUE__<SYSTEM>__<KEY>` environment variables. (The config file's sections are
 * checked in `config-sections.ts`.)
 */
import { ConfigurationError } from '../errors/index.js';
import {
  ENV_PREFIX,
  camelToKebab,
  checkOptionValue,
  envVariableFor,
  kebabToCamel,
  optionKeysFor,
  optionSpecFor,
  unknownOptionMessage,
  type OptionOwner,
  type OptionValue,
} from './option-schema.js';

/** The values of one place, by camelCase option name. */
export type OptionLayer = Record<string, OptionValue>;

/**
 * Checks the constructor's options of `system`; keys in `otherKeys` are the caller's and skipped.
 * @throws ConfigurationError for an unknown option (saying which of `systems` has it) or a bad value.
 */
export function readConstructorOptions(
  system: OptionOwner,
  systems: readonly OptionOwner[],
  options: Readonly<Record<string, unknown>>,
  constructorName: string,
  otherKeys: readonly string[],
): OptionLayer {
  const result: OptionLayer = {};
  const where = `new ${constructorName}(…)`;
  const origin = { description: where, isText: false };
  const listedOthers = otherKeys.filter((key) => key !== 'configName');
  for (const [key, value] of Object.entries(options)) {
    if (otherKeys.includes(key)) continue;
    const spec = optionSpecFor(system, key);
    if (spec === undefined) throw new ConfigurationError(unknownOptionMessage(key, system, systems, where, (k) => k, listedOthers));
    if (value === undefined || value === null) continue;
    result[key] = checkOptionValue(key, spec, value, origin);
  }
  return result;
}

/**
 * Reads `FLOTILLA_JOBQUEUE__<SYSTEM>__<KEY>` variables for `system`, refusing misspelt ones for any
 * of `systems`. Variables of another known system are left for when that system is resolved.
 * @throws ConfigurationError for a variable that names no known system, an unknown option or a bad value.
 */
export function readEnvironmentOptions(system: OptionOwner, systems: readonly OptionOwner[], env: NodeJS.ProcessEnv): OptionLayer {
  const result: OptionLayer = {};
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || value === undefined) continue;
    const match = /^([A-Z0-9]+)__([A-Z0-9_]+)$/.exec(variable.slice(ENV_PREFIX.length));
    const variableSystem = systems.find((candidate) => candidate.name.toUpperCase() === match?.[1]);
    if (!match || variableSystem === undefined) {
      throw new ConfigurationError(
        `Environment variable ${variable} does not name a batch system and an option. Write it as ` +
          `${ENV_PREFIX}<SYSTEM>__<OPTION>, SYSTEM one of ${systems.map((s) => s.name.toUpperCase()).join(', ')}, ` +
          `e.g. ${envVariableFor(system.name, 'walltime')}=01:00:00.`,
      );
    }
    if (variableSystem.name !== system.name) continue; // checked when that system's options are resolved
    const key = kebabToCamel((match[2] ?? '').toLowerCase().replace(/_/g, '-'));
    const spec = optionKeysFor(system).includes(key) ? optionSpecFor(system, key) : undefined;
    if (spec === undefined) {
      const spellAsEnv = (camel: string): string => camelToKebab(camel).replace(/-/g, '_').toUpperCase();
      throw new ConfigurationError(unknownOptionMessage(match[2] ?? '', system, systems, `Environment variable ${variable}`, spellAsEnv));
    }
    result[key] = checkOptionValue(key, spec, value, { description: `environment variable ${variable}`, isText: true });
  }
  return result;
}
