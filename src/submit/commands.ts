/**
 * Pure builders of every command `flotilla submit` and `flotilla start-cluster` run, and of the batch
 * script. No I/O here: each function maps options to an argument vector (or script text), so the exact
 * command lines can be tested without SLURM.
 */
import type { ClusterShapeOptions, DriverCliOptions, SubmitCliOptions } from './cli-args.js';
import type { RuntimePaths } from './runtime-paths.js';
import { formatCommand } from '../util/shell-quote.js';
import type { SiteConfig } from './site-config.js';

/** The internal subcommand that runs on an allocated node: starts the cluster, then the user's command. */
export const DRIVER_SUBCOMMAND = '__run-in-allocation';

/** The environment variable through which the user's command (and `Client.connect()`) finds the scheduler. */
export const SCHEDULER_ADDRESS_ENV = 'FLOTILLA_SCHEDULER_ADDRESS';

/**
 * The options of the in-allocation driver, from the CLI options and the site configuration: the worker
 * and scheduler sections of the configuration travel on the driver's command line.
 */
export function driverOptionsFor(submit: SubmitCliOptions, config: SiteConfig): DriverCliOptions {
  return {
    workersPerNode: submit.workersPerNode,
    nthreads: submit.nthreads,
    timeoutSeconds: submit.timeoutSeconds,
    schedulerHost: submit.schedulerHost,
    ...(submit.securityFile === undefined ? {} : { securityFile: submit.securityFile }),
    ...(submit.noSecurity ? { noSecurity: true } : {}),
    schedulerArgs: config.scheduler.args.args,
    workerSrunArgs: config.worker.srun.args,
    workerArgs: config.worker.args.args,
    command: submit.command,
  };
}

/**
 * The arguments of `flotilla __run-in-allocation` (starting with that word), the inverse of
 * `parseDriverArgs`. Values are written as `--flag=value` so that values starting with `-` survive.
 */
export function buildDriverArgs(options: DriverCliOptions): string[] {
  return [
    DRIVER_SUBCOMMAND,
    ...shapeArgs(options),
    ...options.schedulerArgs.map((a) => `--scheduler-arg=${a}`),
    ...options.workerSrunArgs.map((a) => `--worker-srun-arg=${a}`),
    ...options.workerArgs.map((a) => `--worker-arg=${a}`),
    '--',
    ...options.command,
  ];
}

function shapeArgs(options: ClusterShapeOptions): string[] {
  return [
    `--workers-per-node=${options.workersPerNode}`,
    ...(options.nthreads === undefined ? [] : [`--nthreads=${options.nthreads}`]),
    `--timeout=${options.timeoutSeconds}`,
    ...(options.schedulerHost === undefined ? [] : [`--scheduler-host=${options.schedulerHost}`]),
    ...(options.securityFile === undefined ? [] : [`--security-file=${options.securityFile}`]),
    ...(options.noSecurity ? ['--no-security'] : []),
  ];
}

/**
 * The interactive command: `salloc -N <nodes> [interactive.salloc] srun --nodes=1 --ntasks=1
 * --quit-on-interrupt [interactive.srun] <node> <flotilla cli> __run-in-allocation ... -- <command...>`.
 *
 * salloc holds the allocation for as long as its srun runs; srun starts the driver on the first
 * allocated node, and the driver's exit code (the user's command's) comes back through both.
 * `--quit-on-interrupt` makes one Ctrl-C end the step (srun's default needs two within a second, the
 * first only prints the tasks' status): srun passes SIGINT on to the step and ends it at once, and the
 * end of the step stops every process in it, workers beside the command included (measured on 22.05).
 */
export function buildInteractiveCommand(submit: SubmitCliOptions, config: SiteConfig, runtime: RuntimePaths): string[] {
  return [
    'salloc',
    '-N',
    String(submit.nodes),
    ...config.interactive.salloc.args,
    'srun',
    '--nodes=1',
    '--ntasks=1',
    '--quit-on-interrupt',
    ...config.interactive.srun.args,
    runtime.node,
    runtime.flotillaCli,
    ...buildDriverArgs(driverOptionsFor(submit, config)),
  ];
}

/** The batch submission: `sbatch -N <nodes> [batch.sbatch] <script>`. */
export function buildBatchSubmitCommand(submit: SubmitCliOptions, config: SiteConfig, scriptPath: string): string[] {
  return ['sbatch', '-N', String(submit.nodes), ...config.batch.sbatch.args, scriptPath];
}

/**
 * The full text of the batch script submitted by `flotilla submit --batch`.
 *
 * The `#SBATCH` lines repeat what the sbatch command line asks for, one line per configured option, so a
 * saved copy of the script can be resubmitted by hand with plain `sbatch script`. Then come the site's
 * prologue lines, then the driver, run with `exec` so that the job's exit code is the driver's (the user
 * command's) and signals from `scancel` reach it directly.
 */
export function buildBatchScript(submit: SubmitCliOptions, config: SiteConfig, runtime: RuntimePaths): string {
  const driver = [runtime.node, runtime.flotillaCli, ...buildDriverArgs(driverOptionsFor(submit, config))];
  const lines = [
    '#!/bin/bash',
    `#SBATCH --nodes=${submit.nodes}`,
    ...config.batch.sbatch.groups.map((group) => `#SBATCH ${group.map(quoteDirectiveWord).join(' ')}`),
    '',
    '# Generated by `flotilla submit --batch`: starts a flotilla scheduler on this node and workers on the',
    '# allocated nodes, runs the command below with FLOTILLA_SCHEDULER_ADDRESS set, then stops them all.',
    ...config.batch.prologue,
    `exec ${formatCommand(driver)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Quotes one word of an `#SBATCH` line. sbatch's own parser, not bash, reads these lines: it groups words
 * with single or double quotes, treats a backslash as an escape even inside quotes, and starts a comment
 * at an unquoted `#`. Double quotes with `\\` and `\"` escaped survive all three rules.
 */
export function quoteDirectiveWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `"${word.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** `scontrol show hostnames <nodelist>`: expands `SLURM_JOB_NODELIST` (`vm[1-3]`) into one host per line. */
export function buildHostnamesCommand(nodelist: string): string[] {
  return ['scontrol', 'show', 'hostnames', nodelist];
}

/** Where a worker step runs, and whether it shares its node with the step running the user's command. */
export interface WorkerPlacement {
  readonly host: string;
  /** The host's position in the allocation's host list; part of the worker's name. */
  readonly index: number;
  /** True when the step runs on the node of the user's command, beside the step running it. */
  readonly besideCommand: boolean;
}

/**
 * One worker step per allocated host except `ownHost` (where the scheduler and the command run); with a
 * single node, one step on `ownHost` itself, beside the command.
 */
export function planWorkerPlacements(hosts: readonly string[], ownHost: string): WorkerPlacement[] {
  const others = hosts.flatMap((host, index) => (host === ownHost ? [] : [{ host, index, besideCommand: false }]));
  if (others.length > 0) return others;
  const ownIndex = Math.max(0, hosts.indexOf(ownHost));
  return [{ host: ownHost, index: ownIndex, besideCommand: true }];
}

/**
 * The scheduler: `<node> <scheduler cli> --host <host> --port 0 [scheduler.args]`. Port 0 lets the operating
 * system pick a free port, so two allocations sharing a node do not collide; the scheduler prints the
 * address it got.
 */
export function buildSchedulerCommand(runtime: RuntimePaths, host: string, schedulerArgs: readonly string[]): string[] {
  return [runtime.node, runtime.schedulerCli, '--host', host, '--port', '0', ...schedulerArgs];
}

/** What a worker command needs besides its placement. */
export interface WorkerCommandOptions {
  readonly runtime: RuntimePaths;
  /** The scheduler's address, `tcp://host:port`. */
  readonly address: string;
  /** Task threads per worker process. */
  readonly nthreads: number;
  /** Worker processes started by this command (`--nworkers`, only written when more than 1). */
  readonly workersPerNode: number;
  /** Extra worker arguments from the site configuration (`worker.args`). */
  readonly workerArgs: readonly string[];
}

/**
 * The worker command alone: `<node> <worker cli> <address> --nthreads T --name <host>-<index>
 * [--nworkers K] [worker.args]`.
 */
export function buildWorkerCommand(placement: WorkerPlacement, options: WorkerCommandOptions): string[] {
  return [
    options.runtime.node,
    options.runtime.workerCli,
    options.address,
    '--nthreads',
    String(options.nthreads),
    '--name',
    `${placement.host}-${placement.index}`,
    ...(options.workersPerNode > 1 ? ['--nworkers', String(options.workersPerNode)] : []),
    ...options.workerArgs,
  ];
}

/**
 * The srun prefix of a worker step: `srun --nodes=1 --ntasks=1 -w <host> --overlap [--mem=0] [worker.srun]`.
 *
 * Measured on Slurm 22.05 (see `hpc-testbed.md`): a step does not share CPUs or memory with other steps
 * unless one of them has `--overlap`, so without it a worker step beside the command's step waits for
 * ever, and so would any `srun` the user's own script runs beside a worker. Every worker step therefore
 * has `--overlap`. Beside a step already running without it (the command's step in interactive mode),
 * `--overlap` alone can still fail with "Memory required by task is not available", because that step
 * holds all of the job's memory on the node; `--mem=0` (all the job's memory, shared) lets it start.
 */
export function buildWorkerStepPrefix(placement: WorkerPlacement, srunArgs: readonly string[]): string[] {
  return ['srun', '--nodes=1', '--ntasks=1', '-w', placement.host, '--overlap', ...(placement.besideCommand ? ['--mem=0'] : []), ...srunArgs];
}

/** The whole worker step: {@link buildWorkerStepPrefix} followed by {@link buildWorkerCommand}. */
export function buildWorkerStepCommand(placement: WorkerPlacement, srunArgs: readonly string[], options: WorkerCommandOptions): string[] {
  return [...buildWorkerStepPrefix(placement, srunArgs), ...buildWorkerCommand(placement, options)];
}
