/**
 * The `flotilla` command line: `flotilla submit`, `flotilla start-cluster`, and the internal
 * `flotilla __run-in-allocation` that `submit` runs on the allocated node.
 */
import { homedir } from 'node:os';
import { ConfigurationError, FlotillaError } from '../errors/index.js';
import { runInAllocation } from './allocation-driver.js';
import { parseDriverArgs, parseStartClusterArgs, parseSubmitArgs } from './cli-args.js';
import { signalNumber } from '../util/child-process.js';
import { DRIVER_SUBCOMMAND } from './commands.js';
import { InterruptedError } from './errors.js';
import { resolveRuntimePaths, type RuntimePaths } from './runtime-paths.js';
import { loadSiteConfig } from './site-config.js';
import { listAllocationHosts } from './slurm-hosts.js';
import { runStartCluster } from './start-cluster.js';
import { runSubmit } from './submit.js';
import { watchTerminationSignals } from './termination-signals.js';
import { connectWorkerReadiness } from './worker-readiness-adapter.js';
import type { ConnectWorkerReadiness } from './worker-readiness.js';

export { formatCommand, shellQuote } from '../util/shell-quote.js';
export type { WorkerReadiness, WorkerReadinessConnection, ConnectWorkerReadiness } from './worker-readiness.js';

/** Where `main` reads and writes; every field has a default taken from the running process. */
export interface CliContext {
  /** @defaultValue `process.env` */
  readonly env: NodeJS.ProcessEnv;
  /** Receives results meant for the user's scripts (addresses, dry-run output). @defaultValue `process.stdout` */
  readonly stdout: { write(text: string): unknown };
  /** Receives progress lines, each command before it runs, and error messages. @defaultValue `process.stderr` */
  readonly stderr: { write(text: string): unknown };
  /** Where `~/.config/flotilla/submit.yaml` is looked for. @defaultValue `os.homedir()` */
  readonly homeDir: string;
  /** The executables the generated commands run. @defaultValue {@link resolveRuntimePaths}`()` */
  readonly runtime: RuntimePaths;
  /** How to wait for workers. @defaultValue the client adapter in `worker-readiness-adapter.ts` */
  readonly connectReadiness: ConnectWorkerReadiness;
  /** Time between SIGTERM and SIGKILL when stopping processes, in milliseconds. @defaultValue 10 000 */
  readonly stopGraceMs: number;
}

const USAGE = `Usage: flotilla <command> [options]

Commands:
  submit -N <nodes> [options] -- <command> [args...]   run a command in a new SLURM allocation with a flotilla cluster
  start-cluster [options]                              start a flotilla cluster across the current SLURM allocation

Run \`flotilla <command> --help\` for the options of a command.`;

/**
 * Runs the `flotilla` command line and returns its exit code; it never calls `process.exit`.
 *
 * @param argv - the arguments after the program name (`process.argv.slice(2)`), starting with the subcommand.
 * @param context - replaces parts of the surroundings, for tests and embedding.
 * @returns 0 on success; the user's command's exit code for `submit` and `__run-in-allocation`; 2 for
 *   invalid arguments or configuration; 128 + signal number when interrupted; 1 for other failures. Every
 *   failure is explained on stderr.
 */
export async function main(argv: string[], context: Partial<CliContext> = {}): Promise<number> {
  const stderr = context.stderr ?? process.stderr;
  try {
    return await dispatch(argv, context, stderr);
  } catch (error) {
    return reportFailure(error, stderr);
  }
}

async function dispatch(argv: readonly string[], context: Partial<CliContext>, stderr: CliContext['stderr']): Promise<number> {
  const [subcommand, ...rest] = argv;
  const stdout = context.stdout ?? process.stdout;
  const env = context.env ?? process.env;
  const log = (line: string): void => void stderr.write(`[flotilla] ${line}\n`);
  const homeDir = context.homeDir ?? homedir();
  const runtime = (): RuntimePaths => context.runtime ?? resolveRuntimePaths();
  const stopGraceMs = context.stopGraceMs ?? 10_000;
  const connectReadiness = context.connectReadiness ?? connectWorkerReadiness;

  switch (subcommand) {
    case 'submit': {
      const parsed = parseSubmitArgs(rest);
      if (parsed.kind === 'help') return printed(stdout, parsed.text);
      const config = await loadSiteConfig({ path: parsed.options.configPath, homeDir });
      return runSubmit(parsed.options, config, { runtime: runtime(), log, stdout, env });
    }
    case 'start-cluster': {
      const parsed = parseStartClusterArgs(rest);
      if (parsed.kind === 'help') return printed(stdout, parsed.text);
      const config = await loadSiteConfig({ path: parsed.options.configPath, homeDir });
      const termination = watchTerminationSignals(log);
      try {
        return await runStartCluster(parsed.options, config, {
          runtime: runtime(),
          connectReadiness,
          log,
          stopGraceMs,
          env,
          stdout,
          signal: termination.signal,
          listHosts: () => listAllocationHosts(env, { log }),
        });
      } finally {
        termination.dispose();
      }
    }
    case DRIVER_SUBCOMMAND: {
      const options = parseDriverArgs(rest);
      const termination = watchTerminationSignals(log);
      try {
        return await runInAllocation(options, {
          runtime: runtime(),
          connectReadiness,
          log,
          stopGraceMs,
          env,
          signal: termination.signal,
          listHosts: () => listAllocationHosts(env, { log }),
        });
      } finally {
        termination.dispose();
      }
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return printed(subcommand === undefined ? stderr : stdout, USAGE, subcommand === undefined ? 2 : 0);
    default:
      throw new ConfigurationError(`Unknown command "${subcommand}"; the commands are: submit, start-cluster. Run \`flotilla --help\` for usage.`);
  }
}

function printed(stream: CliContext['stdout'], text: string, exitCode = 0): number {
  stream.write(`${text}\n`);
  return exitCode;
}

/** Explains a failure on stderr and picks the exit code. */
function reportFailure(error: unknown, stderr: CliContext['stderr']): number {
  if (error instanceof InterruptedError) return 128 + signalNumber(error.signal);
  if (error instanceof FlotillaError && error.cause instanceof InterruptedError) {
    stderr.write(`flotilla: ${error.message}\n`);
    return 128 + signalNumber(error.cause.signal);
  }
  if (error instanceof ConfigurationError) {
    stderr.write(`flotilla: ${error.message}\n`);
    return 2;
  }
  if (error instanceof FlotillaError) {
    stderr.write(`flotilla: ${error.name}: ${error.message}\n`);
    return 1;
  }
  stderr.write(`flotilla: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
