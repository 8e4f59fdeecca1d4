/**
 * The runtime description of every job option: its kind (for checking values from the constructor,
 * the config file and environment variables), which systems accept it, and its spellings
 * (camelCase in code, kebab-case in YAML, UPPER_SNAKE in environment variables).
 *
 * The table is checked against the option interfaces at compile time, so an option added to
 * `options.ts` without an entry here does not compile.
 */
import YAML from 'yaml';
import { ConfigurationError } from '../errors/index.js';
import { didYouMean } from '../config/closest-name.js';
import type { AnyJobOptions, JobOptionKey, SystemName } from './options.js';
import { SYSTEM_NAMES } from './options.js';
import type { LsfUnit } from './units.js';

/** How an option's value is checked and normalised. */
type OptionKind =
  | 'positiveInteger'
  | 'seconds'
  | 'bytes'
  | 'walltime'
  | 'string'
  | 'jobName'
  | 'stringList'
  | 'command'
  | 'lsfUnit';

interface OptionSpec {
  readonly kind: OptionKind;
  /** The systems that accept the option; absent = all of them. */
  readonly systems?: readonly SystemName[];
}

const OPTION_SPECS = {
  cores: { kind: 'positiveInteger' },
  memory: { kind: 'bytes' },
  processes: { kind: 'positiveInteger' },
  jobName: { kind: 'jobName' },
  queue: { kind: 'string' },
  walltime: { kind: 'walltime' },
  jobExtraDirectives: { kind: 'stringList' },
  jobDirectivesSkip: { kind: 'stringList' },
  jobScriptPrologue: { kind: 'stringList' },
  jobScriptEpilogue: { kind: 'stringList' },
  workerExtraArgs: { kind: 'stringList' },
  logDirectory: { kind: 'string' },
  shebang: { kind: 'string' },
  nodeExecutable: { kind: 'command' },
  interface: { kind: 'string' },
  host: { kind: 'string' },
  deathTimeout: { kind: 'seconds' },
  localDirectory: { kind: 'string' },
  templateFile: { kind: 'string' },
  lifetimeMarginSeconds: { kind: 'seconds' },
  lifetimeStaggerSeconds: { kind: 'seconds' },
  name: { kind: 'string' },
  account: { kind: 'string', systems: ['slurm', 'pbs'] },
  project: { kind: 'string', systems: ['sge', 'lsf'] },
  resourceSpec: { kind: 'string', systems: ['sge', 'pbs'] },
  jobCpu: { kind: 'positiveInteger', systems: ['slurm'] },
  jobMem: { kind: 'string', systems: ['slurm'] },
  ncpus: { kind: 'positiveInteger', systems: ['lsf'] },
  mem: { kind: 'bytes', systems: ['lsf'] },
  lsfUnits: { kind: 'lsfUnit', systems: ['lsf'] },
} as const satisfies Record<JobOptionKey, OptionSpec>;

const ALL_KEYS = Object.keys(OPTION_SPECS) as JobOptionKey[];
const LSF_UNITS: readonly LsfUnit[] = ['KB', 'MB', 'GB', 'TB'];

/** The option names `system` accepts, in camelCase, shared ones first. */
export function optionKeysFor(system: SystemName): JobOptionKey[] {
  return ALL_KEYS.filter((key) => {
    const spec: OptionSpec = OPTION_SPECS[key];
    return spec.systems === undefined || spec.systems.includes(system);
  });
}

/** Whether `key` is an option of any system. */
export function isJobOptionKey(key: string): key is JobOptionKey {
  return Object.hasOwn(OPTION_SPECS, key);
}

/** `jobExtraDirectives` → `job-extra-directives`. */
export function camelToKebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** `job-extra-directives` → `jobExtraDirectives`. */
export function kebabToCamel(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** The environment variable that sets `key` for `system`: `FLOTILLA_JOBQUEUE__SLURM__JOB_EXTRA_DIRECTIVES`. */
export function envVariableFor(system: SystemName, key: JobOptionKey): string {
  return `${ENV_PREFIX}${system.toUpperCase()}__${camelToKebab(key).replace(/-/g, '_').toUpperCase()}`;
}

/** Prefix of every job-queue environment variable. */
export const ENV_PREFIX = 'FLOTILLA_JOBQUEUE__';

/**
 * Explains why `key` is not accepted by `system`: it belongs to other systems, or it is unknown
 * (with a suggestion and the valid names). `spell` turns camelCase names into the reader's spelling;
 * `extraKeys` are further valid names (e.g. the cluster's own options), already spelled.
 */
export function unknownOptionMessage(
  key: string,
  system: SystemName,
  where: string,
  spell: (camelKey: string) => string = (k) => k,
  extraKeys: readonly string[] = [],
): string {
  const valid = [...optionKeysFor(system).map(spell), ...extraKeys];
  const known = ALL_KEYS.find((candidate) => spell(candidate) === key);
  if (known !== undefined) {
    const owners: readonly SystemName[] = (OPTION_SPECS[known] as OptionSpec).systems ?? [];
    return (
      `${where}: \`${key}\` is an option of ${owners.join(' and ')} jobs, not of ${system} jobs. ` +
      `Remove it, or use the matching ${system} option. Valid ${system} options: ${valid.join(', ')}.`
    );
  }
  return `${where}: unknown option \`${key}\`.${didYouMean(key, valid)} Valid ${system} options: ${valid.join(', ')}.`;
}

/** Where a value came from, for error messages and for parsing text values. */
export interface ValueOrigin {
  /** E.g. `'new SLURMCluster(…)'`, `'slurm.walltime in /home/u/.config/flotilla/jobqueue.yaml'`. */
  readonly description: string;
  /** Values from environment variables are text and get parsed; YAML and constructor values are not. */
  readonly isText: boolean;
}

/** A checked option value, in the shape the resolver expects for the option's kind. */
export type OptionValue = AnyJobOptions[JobOptionKey];

/**
 * Checks one option value and returns it normalised (numbers from text parsed, a single string given
 * for a list wrapped in an array, YAML numbers given for strings turned into strings).
 * Bytes and walltimes are only checked for type here; their text is parsed during resolution, where
 * the system's reading of two-field walltimes is known.
 * @throws ConfigurationError naming the option, where it came from, what was expected and what was received.
 */
export function checkOptionValue(key: JobOptionKey, value: unknown, origin: ValueOrigin): OptionValue {
  const spec: OptionSpec = OPTION_SPECS[key];
  const received = `got ${describeValue(value)}`;
  const fail = (expected: string): never => {
    throw new ConfigurationError(`${key} (from ${origin.description}) must be ${expected}, ${received}.`);
  };
  const asNumber = (): number | undefined => {
    if (typeof value === 'number') return value;
    if (origin.isText && typeof value === 'string' && value.trim() !== '') return Number(value);
    return undefined;
  };
  const asText = (): string | undefined => {
    if (typeof value === 'string') return value;
    // YAML reads `queue: 123` or `job-name: 2024` as numbers; they are names here.
    if (!origin.isText && typeof value === 'number' && Number.isFinite(value)) return String(value);
    return undefined;
  };
  switch (spec.kind) {
    case 'positiveInteger': {
      const n = asNumber();
      return n !== undefined && Number.isInteger(n) && n > 0 ? n : fail('a positive whole number');
    }
    case 'seconds': {
      const n = asNumber();
      return n !== undefined && Number.isFinite(n) && n >= 0 ? n : fail('a non-negative number of seconds');
    }
    case 'bytes': {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
      return typeof value === 'string' ? value : fail("an amount of memory such as '16 GB' or a number of bytes");
    }
    case 'walltime': {
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
      return typeof value === 'string' ? value : fail("a walltime such as '01:30:00' or a number of minutes");
    }
    case 'string': {
      const text = asText();
      return text !== undefined ? text : fail('a string');
    }
    case 'jobName': {
      const text = asText();
      return text !== undefined && /^[A-Za-z0-9_.-]+$/.test(text)
        ? text
        : fail("a job name of letters, digits, '_', '.' and '-' (Grid Engine rejects others), e.g. 'flotilla-worker'");
    }
    case 'stringList':
      return checkStringList(value, origin) ?? fail('a list of strings, e.g. ["--exclusive"]');
    case 'command': {
      const text = asText();
      if (text !== undefined && !(origin.isText && text.trim().startsWith('['))) return text;
      const list = checkStringList(value, origin);
      return list !== undefined && list.length > 0
        ? list
        : fail("a path to node or a non-empty list such as ['apptainer', 'exec', 'node.sif', 'node']");
    }
    case 'lsfUnit': {
      const unit = asText()?.toUpperCase();
      return LSF_UNITS.find((u) => u === unit) ?? fail(`one of ${LSF_UNITS.join(', ')}`);
    }
  }
}

/** A list of strings from an array, a single string, or (from text) a YAML flow list. */
function checkStringList(value: unknown, origin: ValueOrigin): string[] | undefined {
  let candidate = value;
  if (typeof value === 'string') {
    if (!origin.isText || !value.trim().startsWith('[')) return [value];
    try {
      candidate = YAML.parse(value);
    } catch (error) {
      throw new ConfigurationError(
        `${origin.description} is not a valid YAML list (${(error as Error).message.split('\n')[0] ?? ''}). ` +
          `Write it like ["--exclusive", "--gres=gpu:1"], or give a single item without brackets.`,
        { cause: error },
      );
    }
  }
  if (!Array.isArray(candidate)) return undefined;
  const items: string[] = [];
  for (const item of candidate as unknown[]) {
    if (typeof item === 'string') items.push(item);
    else if (typeof item === 'number' || typeof item === 'boolean') items.push(String(item));
    else return undefined;
  }
  return items;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array ${JSON.stringify(value)}`;
  if (typeof value === 'object') return `an object ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** The systems whose names are accepted as config sections and in environment variables. */
export { SYSTEM_NAMES };
