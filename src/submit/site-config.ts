/**
 * The YAML site configuration of `flotilla submit` and `flotilla start-cluster`: the per-site options
 * passed to `salloc`, `sbatch`, `srun`, the workers and the scheduler.
 *
 * Parsing is pure ({@link parseSiteConfig}); {@link loadSiteConfig} only adds the file lookup.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import { ConfigurationError } from '../errors/index.js';

/** The options of one section, rendered as command-line arguments. */
export interface OptionSection {
  /** All arguments in the file's order, ready to append to a command line. */
  readonly args: readonly string[];
  /**
   * The same arguments, one group per option of an option map (`['--time=01:00:00']`, `['-p', 'debug']`),
   * or a single group holding a whole raw list. Batch scripts write one `#SBATCH` line per group.
   */
  readonly groups: readonly (readonly string[])[];
}

/**
 * A parsed site configuration. Every section is present; a section missing from the file is empty.
 *
 * The YAML file has up to four top-level sections. Each option section is either a **map** of option
 * name → value, or a **list** of raw arguments passed as they are:
 *
 * - in a map, a name is written without dashes. A name of one letter becomes `-k value`, a longer one
 *   `--name=value`. `true` gives the bare flag (`--exclusive`); `false` and `null` (or an empty value)
 *   leave the option out, which lets a site file switch an option off without deleting the line.
 *   Options keep the file's order.
 * - a list is copied element by element (`["-p", "debug", "--exclusive"]`), for options whose syntax a
 *   map cannot express.
 *
 * Options that flotilla sets itself (node and task counts, the host of a step, the worker's name and
 * threads, the scheduler's host and port) are refused, with a message naming the flag to use instead.
 *
 * @example
 * ```yaml
 * # ~/.config/flotilla/submit.yaml
 * interactive:
 *   salloc:            # salloc -N <nodes> --partition=debug --time=01:00:00 ...
 *     partition: debug
 *     time: "01:00:00"
 *   srun:              # srun --nodes=1 --ntasks=1 --cpu-bind=none ... (the step running your command)
 *     cpu-bind: none
 * batch:
 *   sbatch:            # sbatch -N <nodes> --partition=batch --output=flotilla-%j.out <script>
 *     partition: batch
 *     output: flotilla-%j.out
 *     exclusive: true
 *   prologue:          # shell lines run by the batch script before flotilla starts
 *     - module load nodejs/20
 * worker:
 *   srun: ["--cpu-bind=none"]      # a raw list works too
 *   args:              # appended to every flotilla-worker command line
 *     death-timeout: 60
 *     memory-limit: 8000000000
 * scheduler:
 *   args: {}
 * ```
 */
export interface SiteConfig {
  /** The file the configuration was read from, or `undefined` when no file was read. */
  readonly source: string | undefined;
  readonly interactive: {
    /** Options for `salloc` in interactive mode. */
    readonly salloc: OptionSection;
    /** Options for the `srun` step that runs the user's command in interactive mode. */
    readonly srun: OptionSection;
  };
  readonly batch: {
    /** Options for `sbatch` in batch mode; also written as `#SBATCH` lines in the generated script. */
    readonly sbatch: OptionSection;
    /** Shell lines the batch script runs before flotilla starts (`module load ...`, `source venv`). */
    readonly prologue: readonly string[];
  };
  readonly worker: {
    /** Options for each `srun` step that starts workers on a node. */
    readonly srun: OptionSection;
    /** Extra arguments of every `flotilla-worker` command (`--death-timeout`, `--memory-limit`, ...). */
    readonly args: OptionSection;
  };
  readonly scheduler: {
    /** Extra arguments of the `flotilla-scheduler` command. */
    readonly args: OptionSection;
  };
}

/** An option name flotilla sets itself, and what to do instead of setting it in the file. */
interface ReservedOption {
  readonly names: readonly string[];
  readonly instead: string;
}

type SectionSpec = { readonly kind: 'options'; readonly reserved: readonly ReservedOption[] } | { readonly kind: 'lines' };

const NODE_COUNT: ReservedOption = {
  names: ['N', 'nodes'],
  instead: 'set the number of nodes with `flotilla submit -N <nodes>`',
};
const STEP_SHAPE: ReservedOption = {
  names: ['N', 'nodes', 'n', 'ntasks'],
  instead: 'flotilla runs every step as one task on one node (--nodes=1 --ntasks=1)',
};
const STEP_HOST: ReservedOption = {
  names: ['w', 'nodelist'],
  instead: 'flotilla places one worker step on each allocated node itself',
};

/** The valid keys of the file, section by section, and how each section is read. */
const SCHEMA: Readonly<Record<string, Readonly<Record<string, SectionSpec>>>> = {
  interactive: {
    salloc: { kind: 'options', reserved: [NODE_COUNT] },
    srun: { kind: 'options', reserved: [STEP_SHAPE] },
  },
  batch: {
    sbatch: { kind: 'options', reserved: [NODE_COUNT] },
    prologue: { kind: 'lines' },
  },
  worker: {
    srun: { kind: 'options', reserved: [STEP_SHAPE, STEP_HOST] },
    args: {
      kind: 'options',
      reserved: [
        { names: ['nthreads'], instead: 'use `--nthreads <T>` of flotilla submit / start-cluster' },
        { names: ['nworkers'], instead: 'use `--workers-per-node <K>` of flotilla submit / start-cluster' },
        { names: ['name'], instead: 'flotilla names each worker after its host' },
      ],
    },
  },
  scheduler: {
    args: {
      kind: 'options',
      reserved: [
        { names: ['host'], instead: 'use `--scheduler-host <H>` of flotilla submit / start-cluster' },
        { names: ['port'], instead: 'flotilla lets the scheduler pick a free port and passes its address on' },
        { names: ['address-file'], instead: 'use `--address-file <F>` of flotilla start-cluster' },
      ],
    },
  },
};

/** Option names as they appear in the file: a letter, then letters, digits, `-` or `_`. */
const OPTION_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

const EMPTY_SECTION: OptionSection = { args: [], groups: [] };

/** The configuration used when no file exists: every section empty. */
export const EMPTY_SITE_CONFIG: SiteConfig = {
  source: undefined,
  interactive: { salloc: EMPTY_SECTION, srun: EMPTY_SECTION },
  batch: { sbatch: EMPTY_SECTION, prologue: [] },
  worker: { srun: EMPTY_SECTION, args: EMPTY_SECTION },
  scheduler: { args: EMPTY_SECTION },
};

/**
 * The default location of the site configuration: `~/.config/flotilla/submit.yaml`.
 *
 * @param homeDir - the home directory. @defaultValue `os.homedir()`
 */
export function defaultSiteConfigPath(homeDir: string = homedir()): string {
  return join(homeDir, '.config', 'flotilla', 'submit.yaml');
}

/**
 * Reads the site configuration from `path`, or from {@link defaultSiteConfigPath} when no path is given.
 *
 * A missing default file is not an error (every section is then empty); a missing file named by
 * `--config` is.
 *
 * @throws ConfigurationError when the file named by `path` does not exist or cannot be read, or when its
 *   content is invalid (see {@link parseSiteConfig}).
 */
export async function loadSiteConfig(options: { path?: string | undefined; homeDir?: string } = {}): Promise<SiteConfig> {
  const explicit = options.path !== undefined;
  const path = options.path ?? defaultSiteConfigPath(options.homeDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return EMPTY_SITE_CONFIG;
    const what = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
    throw new ConfigurationError(
      `The site configuration file ${path} ${what}. Check the path given with --config, or leave --config out ` +
        `to use ${defaultSiteConfigPath(options.homeDir)} when it exists.`,
      { cause: error },
    );
  }
  return parseSiteConfig(text, path);
}

/**
 * Parses the text of a site configuration file (see {@link SiteConfig} for the format).
 *
 * @param text - the YAML text. An empty file gives the empty configuration.
 * @param source - the file name, quoted in error messages and kept as {@link SiteConfig.source}.
 * @throws ConfigurationError for YAML syntax errors, unknown keys (naming the key, the file, the line and
 *   the valid keys), values of the wrong shape, and options flotilla sets itself.
 */
export function parseSiteConfig(text: string, source: string): SiteConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError !== undefined) {
    throw new ConfigurationError(`The site configuration ${source} is not valid YAML: ${firstError.message}`);
  }
  const reader = new ConfigReader(source, lineCounter);
  const root = document.contents;
  const sections = new Map<string, OptionSection | readonly string[]>();
  if (root !== null && !isEmptyScalar(root)) {
    for (const [topKey, topValue] of reader.mapEntries(root, '', Object.keys(SCHEMA))) {
      const schema = SCHEMA[topKey] ?? {};
      if (topValue === null || isEmptyScalar(topValue)) continue;
      for (const [subKey, subValue] of reader.mapEntries(topValue, topKey, Object.keys(schema))) {
        const spec = schema[subKey];
        if (spec === undefined) continue; // mapEntries already refused keys outside the schema
        const path = `${topKey}.${subKey}`;
        sections.set(path, spec.kind === 'lines' ? reader.lines(subValue, path) : reader.options(subValue, path, spec.reserved));
      }
    }
  }
  const options = (path: string): OptionSection => {
    const found = sections.get(path);
    return found !== undefined && 'args' in found ? found : EMPTY_SECTION;
  };
  const prologue = sections.get('batch.prologue');
  return {
    source,
    interactive: { salloc: options('interactive.salloc'), srun: options('interactive.srun') },
    batch: { sbatch: options('batch.sbatch'), prologue: Array.isArray(prologue) ? prologue : [] },
    worker: { srun: options('worker.srun'), args: options('worker.args') },
    scheduler: { args: options('scheduler.args') },
  };
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && (node.value === null || node.value === undefined);
}

/** Walks the YAML tree and turns shape problems into errors that point at the file and line. */
class ConfigReader {
  constructor(
    private readonly source: string,
    private readonly lineCounter: LineCounter,
  ) {}

  /** The entries of a map whose keys must all be in `validKeys`, in the file's order. */
  mapEntries(node: unknown, path: string, validKeys: readonly string[]): Array<[string, YamlNode | null]> {
    const where = path === '' ? 'at the top level' : `under "${path}"`;
    if (!isMap(node)) {
      throw this.error(node, `expected a map ${where} with the keys ${validKeys.join(', ')}, got ${describe(node)}`);
    }
    return node.items.map((pair: Pair<unknown, unknown>) => {
      const key = this.keyName(pair.key, path);
      if (!validKeys.includes(key)) {
        const fullKey = path === '' ? key : `${path}.${key}`;
        throw this.error(pair.key, `unknown key "${fullKey}"; the valid keys ${where} are: ${validKeys.join(', ')}`);
      }
      return [key, (pair.value ?? null) as YamlNode | null];
    });
  }

  /** An option section: a map of option name to scalar, or a list of raw arguments. */
  options(node: YamlNode | null, path: string, reserved: readonly ReservedOption[]): OptionSection {
    if (node === null || isEmptyScalar(node)) return EMPTY_SECTION;
    if (isSeq(node)) {
      const args = node.items.map((item, index) => this.rawArgument(item, `${path}[${index}]`));
      for (const argument of args) this.refuseReservedRaw(node, argument, path, reserved);
      return { args, groups: args.length === 0 ? [] : [args] };
    }
    if (!isMap(node)) {
      throw this.error(node, `"${path}" must be a map of option: value, or a list of raw arguments; got ${describe(node)}`);
    }
    const groups: string[][] = [];
    for (const pair of node.items) {
      const name = this.keyName(pair.key, path);
      if (!OPTION_NAME.test(name)) {
        throw this.error(pair.key, `option "${name}" in "${path}" is not a valid option name: write names without dashes, as in "partition: debug", or use a list of raw arguments`);
      }
      const rule = reserved.find((r) => r.names.includes(name));
      if (rule !== undefined) throw this.error(pair.key, `option "${name}" in "${path}" is set by flotilla: ${rule.instead}`);
      const group = renderOption(name, this.optionValue(pair.value, `${path}.${name}`));
      if (group.length > 0) groups.push(group);
    }
    return { args: groups.flat(), groups };
  }

  /** A list of shell lines (the batch prologue). */
  lines(node: YamlNode | null, path: string): readonly string[] {
    if (node === null || isEmptyScalar(node)) return [];
    if (!isSeq(node)) throw this.error(node, `"${path}" must be a list of shell lines, got ${describe(node)}`);
    return node.items.map((item, index) => {
      if (!isScalar(item) || typeof item.value !== 'string') {
        throw this.error(item, `"${path}[${index}]" must be a string (one shell line), got ${describe(item)}`);
      }
      return item.value;
    });
  }

  private keyName(key: unknown, path: string): string {
    if (isScalar(key) && (typeof key.value === 'string' || typeof key.value === 'number')) return String(key.value);
    throw this.error(key, `keys ${path === '' ? 'at the top level' : `under "${path}"`} must be plain names, got ${describe(key)}`);
  }

  private optionValue(node: unknown, path: string): string | number | boolean | null {
    if (node === null || node === undefined) return null;
    if (!isScalar(node)) throw this.error(node, `"${path}" must be a string, a number, true, false or null; got ${describe(node)}`);
    const value = node.value;
    if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'number') return value ?? null;
    if (typeof value === 'string') return this.singleLine(node, value, path);
    throw this.error(node, `"${path}" must be a string, a number, true, false or null; got ${describe(node)}`);
  }

  private rawArgument(node: unknown, path: string): string {
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
      return this.singleLine(node, String(node.value), path);
    }
    throw this.error(node, `"${path}" must be a string or a number (one raw argument), got ${describe(node)}`);
  }

  /** Arguments end up in `#SBATCH` lines and batch scripts, where a line break would cut them in two. */
  private singleLine(node: unknown, value: string, path: string): string {
    if (/[\r\n]/.test(value)) throw this.error(node, `"${path}" contains a line break; option values must fit on one line`);
    return value;
  }

  private refuseReservedRaw(node: unknown, argument: string, path: string, reserved: readonly ReservedOption[]): void {
    for (const rule of reserved) {
      for (const name of rule.names) {
        const matches =
          name.length === 1
            ? argument === `-${name}` || (argument.startsWith(`-${name}`) && !argument.startsWith('--'))
            : argument === `--${name}` || argument.startsWith(`--${name}=`);
        if (matches) throw this.error(node, `argument "${argument}" in "${path}" is set by flotilla: ${rule.instead}`);
      }
    }
  }

  private error(node: unknown, problem: string): ConfigurationError {
    return new ConfigurationError(`Invalid site configuration ${this.source}${this.lineOf(node)}: ${problem}.`);
  }

  private lineOf(node: unknown): string {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range === undefined) return '';
    return ` (line ${this.lineCounter.linePos(range[0]).line})`;
  }
}

/** One option of a map as arguments: `--name=value`, `-k value`, a bare flag for `true`, nothing for false/null. */
function renderOption(name: string, value: string | number | boolean | null): string[] {
  if (value === false || value === null) return [];
  const flag = name.length === 1 ? `-${name}` : `--${name}`;
  if (value === true) return [flag];
  return name.length === 1 ? [flag, String(value)] : [`${flag}=${String(value)}`];
}

function describe(node: unknown): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'nothing (null)' : `${typeof node.value} ${JSON.stringify(node.value)}`;
  return node === null || node === undefined ? 'nothing' : 'an unsupported YAML value (alias or tag)';
}
