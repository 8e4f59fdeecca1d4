/**
 * Command-line parsing of `flotilla submit`, `flotilla start-cluster` and the internal
 * `flotilla __run-in-allocation` (what runs inside the allocation), with `node:util`'s `parseArgs`.
 *
 * Parsing is pure: it returns options or throws a {@link ConfigurationError} whose message names the flag,
 * what was expected and what was received, and says how to fix it.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigurationError } from '../errors/index.js';

/** How the cluster inside the allocation is shaped: shared by every subcommand. */
export interface ClusterShapeOptions {
  /** Worker processes per node (`--workers-per-node`). @defaultValue 1 */
  readonly workersPerNode: number;
  /**
   * Task threads per worker process (`--nthreads`). `undefined` means: decided inside the allocation, as the
   * node's CPUs (`SLURM_CPUS_ON_NODE`, else the CPUs Node.js sees) divided by the workers per node.
   */
  readonly nthreads: number | undefined;
  /** How long to wait for the scheduler and all workers to be ready, in seconds (`--timeout`). @defaultValue 120 */
  readonly timeoutSeconds: number;
  /**
   * The host name or address the scheduler listens on and workers connect to (`--scheduler-host`).
   * `undefined` means the short host name of the node running the scheduler.
   */
  readonly schedulerHost: string | undefined;
  /**
   * The key file of the scheduler, its workers and the command (`--security-file`), made (mode 0600)
   * when it does not exist. `undefined`: a file made for this run in `~/.flotilla/allocations/`, removed at the end.
   */
  readonly securityFile?: string;
  /** No authentication (`--no-security`): anyone who reaches the scheduler gets in. Warned about. */
  readonly noSecurity?: boolean;
}

/** Options of `flotilla submit`. */
export interface SubmitCliOptions extends ClusterShapeOptions {
  /** Number of nodes to allocate (`-N`, `--nodes`). Required. */
  readonly nodes: number;
  /** Submit with `sbatch` and return at once instead of running interactively under `salloc` (`--batch`). */
  readonly batch: boolean;
  /** The site configuration file (`--config`); `undefined` means `~/.config/flotilla/submit.yaml` if it exists. */
  readonly configPath: string | undefined;
  /** Print the commands (and the batch script) without running anything (`--dry-run`). */
  readonly dryRun: boolean;
  /** The user's command and its arguments: everything after `--`. Never empty. */
  readonly command: readonly string[];
}

/** Options of `flotilla start-cluster`. */
export interface StartClusterCliOptions extends ClusterShapeOptions {
  /** The site configuration file (`--config`); its `worker` and `scheduler` sections are used. */
  readonly configPath: string | undefined;
  /** Write the scheduler's address to this file once the workers are ready, instead of printing it. */
  readonly addressFile: string | undefined;
}

/**
 * Options of `flotilla __run-in-allocation`, the driver that runs on an allocated node. The site
 * configuration's worker and scheduler arguments travel on its command line, so a batch job does not
 * depend on the configuration file still being the same when it starts.
 */
export interface DriverCliOptions extends ClusterShapeOptions {
  readonly schedulerArgs: readonly string[];
  readonly workerSrunArgs: readonly string[];
  readonly workerArgs: readonly string[];
  /** The user's command and its arguments. Never empty. */
  readonly command: readonly string[];
}

/** The result of parsing: options, or a request for the usage text. */
export type Parsed<T> = { readonly kind: 'run'; readonly options: T } | { readonly kind: 'help'; readonly text: string };

/** The default of `--timeout`, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 120;

export const SUBMIT_USAGE = `Usage: flotilla submit -N <nodes> [options] -- <command> [args...]

Runs <command> on a node of a new SLURM allocation, with a flotilla scheduler beside it and workers
started by srun on every other allocated node (beside the command when there is one node). The command
finds the scheduler through FLOTILLA_SCHEDULER_ADDRESS, so Client.connect() needs no arguments.

Options:
  -N, --nodes <n>             number of nodes to allocate (required)
      --batch                 submit with sbatch and return, instead of running under salloc
      --config <file>         site configuration (default: ~/.config/flotilla/submit.yaml if it exists)
      --workers-per-node <k>  worker processes per node (default: 1)
      --nthreads <t>          task threads per worker (default: the node's CPUs / workers per node)
      --timeout <seconds>     how long to wait for the scheduler and the workers (default: ${DEFAULT_TIMEOUT_SECONDS})
      --scheduler-host <h>    host name workers use to reach the scheduler (default: the node's name)
      --security-file <file>  the cluster's keys (made, mode 0600, if missing; default: a file for this run)
      --no-security           let anyone who reaches the scheduler in (warned about)
      --dry-run               print the commands (and the batch script) without running them
  -h, --help                  show this help`;

export const START_CLUSTER_USAGE = `Usage: flotilla start-cluster [options]

Inside a SLURM allocation (for example in your own sbatch script): starts a flotilla scheduler on this
node and workers with srun on every other allocated node (on this node too when there is only one),
waits until they are ready, then prints the scheduler's address (or writes it to --address-file) and
stays up until it receives SIGINT or SIGTERM.

Options:
      --address-file <file>   write the address to <file> (once the workers are ready) instead of printing it
      --config <file>         site configuration; its worker and scheduler sections are used
      --workers-per-node <k>  worker processes per node (default: 1)
      --nthreads <t>          task threads per worker (default: the node's CPUs / workers per node)
      --timeout <seconds>     how long to wait for the scheduler and the workers (default: ${DEFAULT_TIMEOUT_SECONDS})
      --scheduler-host <h>    host name workers use to reach the scheduler (default: the node's name)
      --security-file <file>  the cluster's keys (made, mode 0600, if missing; default: a file for this run,
                              removed at the end); clients pass it as FLOTILLA_SECURITY_FILE or { security }
      --no-security           let anyone who reaches the scheduler in (warned about)
  -h, --help                  show this help`;

const SHAPE_OPTIONS = {
  'workers-per-node': { type: 'string' },
  nthreads: { type: 'string' },
  timeout: { type: 'string' },
  'scheduler-host': { type: 'string' },
  'security-file': { type: 'string' },
  'no-security': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/**
 * Parses the arguments of `flotilla submit` (everything after the word `submit`).
 *
 * @throws ConfigurationError when `-N` is missing, a number is malformed, an option is unknown, the `--`
 *   before the command is missing, or the command is empty.
 */
export function parseSubmitArgs(args: readonly string[]): Parsed<SubmitCliOptions> {
  const { before, command } = splitAtDoubleDash(args);
  const values = parseFlags('submit', before, {
    nodes: { type: 'string', short: 'N' },
    batch: { type: 'boolean' },
    config: { type: 'string' },
    'dry-run': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...SHAPE_OPTIONS,
  });
  if (values.help === true) return { kind: 'help', text: SUBMIT_USAGE };
  const nodesText = stringValue(values.nodes);
  if (nodesText === undefined) {
    throw usageError('submit', 'flotilla submit needs the number of nodes to allocate: add -N <nodes>, e.g. `flotilla submit -N 2 -- node job.js`');
  }
  return {
    kind: 'run',
    options: {
      nodes: positiveInteger('-N/--nodes', 'a number of nodes', nodesText),
      batch: values.batch === true,
      configPath: stringValue(values.config),
      dryRun: values['dry-run'] === true,
      ...shapeOptions(values),
      command: requireCommand('submit', args, command),
    },
  };
}

/**
 * Parses the arguments of `flotilla start-cluster` (everything after the word `start-cluster`).
 *
 * @throws ConfigurationError for unknown options, malformed numbers, or any positional argument.
 */
export function parseStartClusterArgs(args: readonly string[]): Parsed<StartClusterCliOptions> {
  const values = parseFlags('start-cluster', args, {
    'address-file': { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...SHAPE_OPTIONS,
  });
  if (values.help === true) return { kind: 'help', text: START_CLUSTER_USAGE };
  return {
    kind: 'run',
    options: { addressFile: stringValue(values['address-file']), configPath: stringValue(values.config), ...shapeOptions(values) },
  };
}

/**
 * Parses the arguments of the internal `flotilla __run-in-allocation` (after that word), as written by
 * `buildDriverArgs` in `commands.ts`.
 *
 * @throws ConfigurationError for unknown options, malformed numbers, or a missing command.
 */
export function parseDriverArgs(args: readonly string[]): DriverCliOptions {
  const { before, command } = splitAtDoubleDash(args);
  const values = parseFlags('__run-in-allocation', before, {
    'scheduler-arg': { type: 'string', multiple: true },
    'worker-srun-arg': { type: 'string', multiple: true },
    'worker-arg': { type: 'string', multiple: true },
    ...SHAPE_OPTIONS,
  });
  return {
    ...shapeOptions(values),
    schedulerArgs: stringList(values['scheduler-arg']),
    workerSrunArgs: stringList(values['worker-srun-arg']),
    workerArgs: stringList(values['worker-arg']),
    command: requireCommand('__run-in-allocation', args, command),
  };
}

type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parseFlags(subcommand: string, args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): FlagValues {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && subcommand !== 'start-cluster') {
      const positional = firstPositional(args, options);
      throw usageError(
        subcommand,
        `flotilla ${subcommand} needs \`--\` between its own options and your command; got "${positional}" before any \`--\`. ` +
          `Write it as \`flotilla ${subcommand} ${subcommand === 'submit' ? '-N <nodes> ' : ''}[options] -- <command> [args...]\``,
        error,
      );
    }
    if (code !== undefined && code.startsWith('ERR_PARSE_ARGS')) {
      throw usageError(subcommand, `flotilla ${subcommand}: ${(error as Error).message}`, error);
    }
    throw error;
  }
}

/** The first argument that is neither an option nor an option's value, as parseArgs sees it. */
function firstPositional(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string {
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const token = tokens.find((t) => t.kind === 'positional');
  return token?.kind === 'positional' ? token.value : '';
}

function splitAtDoubleDash(args: readonly string[]): { before: readonly string[]; command: readonly string[] | undefined } {
  const index = args.indexOf('--');
  if (index === -1) return { before: args, command: undefined };
  return { before: args.slice(0, index), command: args.slice(index + 1) };
}

function requireCommand(subcommand: string, args: readonly string[], command: readonly string[] | undefined): readonly string[] {
  if (command === undefined || command.length === 0) {
    const received = command === undefined ? 'no `--` at all' : 'nothing after `--`';
    throw usageError(subcommand, `flotilla ${subcommand} needs a command to run after \`--\`, e.g. \`-- node job.js\`; got ${received} (arguments: ${JSON.stringify(args)})`);
  }
  return command;
}

function shapeOptions(values: FlagValues): ClusterShapeOptions {
  const nthreads = stringValue(values.nthreads);
  const timeout = stringValue(values.timeout);
  const workersPerNode = stringValue(values['workers-per-node']);
  const schedulerHost = stringValue(values['scheduler-host']);
  if (schedulerHost !== undefined && !/^[A-Za-z0-9._:-]+$/.test(schedulerHost)) {
    throw new ConfigurationError(`--scheduler-host expects a host name or IP address, got "${schedulerHost}".`);
  }
  const securityFile = stringValue(values['security-file']);
  const noSecurity = values['no-security'] === true;
  if (noSecurity && securityFile !== undefined) {
    throw new ConfigurationError(`--security-file and --no-security contradict each other (got --security-file "${securityFile}" and --no-security): pass one.`);
  }
  return {
    workersPerNode: workersPerNode === undefined ? 1 : positiveInteger('--workers-per-node', 'a number of worker processes', workersPerNode),
    nthreads: nthreads === undefined ? undefined : positiveInteger('--nthreads', 'a number of threads', nthreads),
    timeoutSeconds: timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : positiveSeconds('--timeout', timeout),
    schedulerHost,
    ...(securityFile === undefined ? {} : { securityFile }),
    ...(noSecurity ? { noSecurity } : {}),
  };
}

function positiveInteger(flag: string, what: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(`${flag} expects ${what}: a whole number of 1 or more; got "${text}".`);
  }
  return value;
}

function positiveSeconds(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`${flag} expects a number of seconds greater than 0, e.g. 120 or 0.5; got "${text}".`);
  }
  return value;
}

function stringValue(value: FlagValues[string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringList(value: FlagValues[string]): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function usageError(subcommand: string, message: string, cause?: unknown): ConfigurationError {
  const help = subcommand.startsWith('__') ? '' : ` Run \`flotilla ${subcommand} --help\` for usage.`;
  return new ConfigurationError(`${message.replace(/\.$/, '')}.${help}`, cause === undefined ? undefined : { cause });
}
