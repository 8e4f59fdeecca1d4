/**
 * The runtime description of every job option: its kind (for checking values from the constructor,
 * the config file and environment variables) and its spellings (camelCase in code, kebab-case in YAML,
 * UPPER_SNAKE in environment variables).
 *
 * The shared options are described here, checked against `JobQueueOptions` at compile time, so an
 * option added there without an entry here does not compile. Each adapter describes its own options
 * in its `options` field (see `BatchSystem`).
 */
import YAML from 'yaml';
import { ConfigurationError } from '../errors/index.js';
import { didYouMean } from '../config/closest-name.js';
import type { JobOptionKey, JobQueueOptions, SchedulerOptions } from './options.js';
import type { LsfUnit } from './units.js';

/** How an option's value is checked and normalised. */
export type OptionKind =
  | 'positiveInteger'
  | 'count'
  | 'port'
  | 'seconds'
  | 'bytes'
  | 'walltime'
  | 'string'
  | 'jobName'
  | 'stringList'
  | 'command'
  | 'wrapper'
  | 'schedulerOptions'
  | 'lsfUnit';

/** How one option is checked: its kind. An adapter gives one for each of its own options. */
export interface OptionSpec {
  /** How the value is checked and converted (see {@link OptionKind}). */
  readonly kind: OptionKind;
}

/** The option specs of a batch system's own options `O` (those beyond the shared `JobQueueOptions`). */
export type SystemOptionSchema<O> = { readonly [K in Exclude<keyof O, keyof JobQueueOptions>]-?: OptionSpec };

/** What the option helpers need to know of a batch system: its name and its own options. */
export interface OptionOwner {
  readonly name: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

const SHARED_OPTION_SPECS = {
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
  workerCommand: { kind: 'wrapper' },
  interface: { kind: 'string' },
  schedulerInterface: { kind: 'string' },
  workerInterface: { kind: 'string' },
  host: { kind: 'string' },
  schedulerPort: { kind: 'port' },
  schedulerOptions: { kind: 'schedulerOptions' },
  workerRestarts: { kind: 'count' },
  deathTimeout: { kind: 'seconds' },
  localDirectory: { kind: 'string' },
  templateFile: { kind: 'string' },
  lifetimeMarginSeconds: { kind: 'seconds' },
  lifetimeStaggerSeconds: { kind: 'seconds' },
  name: { kind: 'string' },
} as const satisfies Record<JobOptionKey, OptionSpec>;

const SHARED_KEYS = Object.keys(SHARED_OPTION_SPECS) as JobOptionKey[];
const LSF_UNITS: readonly LsfUnit[] = ['KB', 'MB', 'GB', 'TB'];
const SCHEDULER_OPTION_KEYS = ['dashboardAddress', 'port', 'interface', 'host'] as const satisfies readonly (keyof SchedulerOptions)[];

/** The option names `system` accepts, in camelCase: the shared ones first, then the system's own. */
export function optionKeysFor(system: OptionOwner): string[] {
  return [...SHARED_KEYS, ...Object.keys(system.options).filter((key) => !isSharedOptionKey(key))];
}

/** Whether `key` is a shared option (one every system accepts). */
export function isSharedOptionKey(key: string): key is JobOptionKey {
  return Object.hasOwn(SHARED_OPTION_SPECS, key);
}

/** How `system` checks the option `key`, or `undefined` when the system has no such option. */
export function optionSpecFor(system: OptionOwner, key: string): OptionSpec | undefined {
  if (isSharedOptionKey(key)) return SHARED_OPTION_SPECS[key];
  return Object.hasOwn(system.options, key) ? system.options[key] : undefined;
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
export function envVariableFor(system: string, key: string): string {
  return `${ENV_PREFIX}${system.toUpperCase()}__${camelToKebab(key).replace(/-/g, '_').toUpperCase()}`;
}

/** Prefix of every job-queue environment variable. */
export const ENV_PREFIX = 'FLOTILLA_JOBQUEUE__';

/**
 * Explains why `key` is not accepted by `system`: it belongs to other systems (among `systems`), or it
 * is unknown (with a suggestion and the valid names). `spell` turns camelCase names into the reader's
 * spelling; `extraKeys` are further valid names (e.g. the cluster's own options), already spelled.
 */
export function unknownOptionMessage(
  key: string,
  system: OptionOwner,
  systems: readonly OptionOwner[],
  where: string,
  spell: (camelKey: string) => string = (k) => k,
  extraKeys: readonly string[] = [],
): string {
  const valid = [...optionKeysFor(system).map(spell), ...extraKeys];
  const owners = systems
    .filter((other) => other.name !== system.name && Object.keys(other.options).some((candidate) => spell(candidate) === key))
    .map((other) => other.name);
  if (owners.length > 0) {
    return (
      `${where}: \`${key}\` is an option of ${listWords(owners)} jobs, not of ${system.name} jobs. ` +
      `Remove it, or use the matching ${system.name} option. Valid ${system.name} options: ${valid.join(', ')}.`
    );
  }
  return `${where}: unknown option \`${key}\`.${didYouMean(key, valid)} Valid ${system.name} options: ${valid.join(', ')}.`;
}

/** `['a']` → `a`, `['a', 'b']` → `a and b`, `['a', 'b', 'c']` → `a, b and c`. */
function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] ?? ''}`;
}

/** Where a value came from, for error messages and for parsing text values. */
export interface ValueOrigin {
  /** E.g. `'new SLURMCluster(…)'`, `'slurm.walltime in /home/u/.config/flotilla/jobqueue.yaml'`. */
  readonly description: string;
  /** Values from environment variables are text and get parsed; YAML and constructor values are not. */
  readonly isText: boolean;
}

/** A checked option value, in the shape the resolver expects for the option's kind. */
export type OptionValue = string | number | readonly string[] | SchedulerOptions | undefined;

/**
 * Checks one option value and returns it normalised (numbers from text parsed, a single string given
 * for a list wrapped in an array, YAML numbers given for strings turned into strings).
 * Bytes and walltimes are only checked for type here; their text is parsed during resolution, where
 * the system's reading of two-field walltimes is known.
 * @throws ConfigurationError naming the option, where it came from, what was expected and what was received.
 */
export function checkOptionValue(key: string, spec: OptionSpec, value: unknown, origin: ValueOrigin): OptionValue {
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
    case 'count': {
      const n = asNumber();
      return n !== undefined && Number.isInteger(n) && n >= 0 ? n : fail('a whole number ≥ 0');
    }
    case 'port': {
      const n = asNumber();
      return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 65_535 ? n : fail('a whole number from 0 to 65535 (0: any free port)');
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
    case 'command':
    case 'wrapper': {
      const text = asText();
      if (text !== undefined && !(origin.isText && text.trim().startsWith('['))) return text;
      const list = checkStringList(value, origin);
      if (list !== undefined && list.length > 0) return list;
      return spec.kind === 'command'
        ? fail("a path to node or a non-empty list such as ['apptainer', 'exec', 'node.sif', 'node']")
        : fail("shell text such as 'srun --cpu-bind=none' or a non-empty list such as ['apptainer', 'exec', 'image.sif']");
    }
    case 'schedulerOptions':
      return checkSchedulerOptions(key, value, origin);
    case 'lsfUnit': {
      const unit = asText()?.toUpperCase();
      return LSF_UNITS.find((u) => u === unit) ?? fail(`one of ${LSF_UNITS.join(', ')}`);
    }
  }
}

/**
 * `schedulerOptions`: a mapping with `dashboardAddress`, `port`, `interface`, `host` (kebab-case from
 * YAML and environment variables, whose text is a YAML flow mapping).
 */
function checkSchedulerOptions(key: string, value: unknown, origin: ValueOrigin): SchedulerOptions {
  const example = "{ dashboardAddress: ':0', port: 8786, interface: 'ib0' }";
  let candidate = value;
  if (origin.isText && typeof value === 'string') {
    try {
      candidate = YAML.parse(value);
    } catch (error) {
      throw new ConfigurationError(`${key} (from ${origin.description}) is not a valid YAML mapping; write it like { dashboard-address: ':0' }.`, { cause: error });
    }
  }
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new ConfigurationError(`${key} (from ${origin.description}) must be a mapping such as ${example}, got ${describeValue(candidate)}.`);
  }
  const result: { -readonly [K in keyof SchedulerOptions]: SchedulerOptions[K] } = {};
  for (const [written, entry] of Object.entries(candidate as Record<string, unknown>)) {
    const name = SCHEDULER_OPTION_KEYS.find((k) => k === written || camelToKebab(k) === written);
    const where = `${key}.${written} (from ${origin.description})`;
    if (name === undefined) {
      const valid = origin.description.startsWith('new ') ? [...SCHEDULER_OPTION_KEYS] : SCHEDULER_OPTION_KEYS.map(camelToKebab);
      throw new ConfigurationError(`${where}: unknown scheduler option.${didYouMean(written, valid)} Valid: ${valid.join(', ')}.`);
    }
    if (entry === undefined || entry === null) continue;
    if (name === 'port') {
      if (typeof entry !== 'number' || !Number.isInteger(entry) || entry < 0 || entry > 65_535) {
        throw new ConfigurationError(`${where} must be a whole number from 0 to 65535, got ${describeValue(entry)}.`);
      }
      result.port = entry;
    } else if (name === 'dashboardAddress') {
      if (entry !== false && typeof entry !== 'string' && typeof entry !== 'number') {
        throw new ConfigurationError(`${where} must be a port, ':8787', 'host:port' or false, got ${describeValue(entry)}.`);
      }
      result.dashboardAddress = entry;
    } else {
      if (typeof entry !== 'string' || entry === '') throw new ConfigurationError(`${where} must be a non-empty string, got ${describeValue(entry)}.`);
      result[name] = entry;
    }
  }
  return result;
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
