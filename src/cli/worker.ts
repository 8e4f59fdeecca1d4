#!/usr/bin/env node
/**
 * flotilla-worker <tcp://scheduler:port> [--nthreads T] [--name NAME] [--memory-limit BYTES|'4 GB']
 *   [--local-directory DIR] [--death-timeout SECONDS] [--nworkers K] [--lifetime SECONDS]
 *   [--lifetime-stagger SECONDS] [--job-id ID] [--security-file FILE | --no-security] [--resources GPU=1,…] [--host HOST]
 *   [--interface NAME] [--restarts N] [--profile-interval MS]
 *
 * What batch job scripts and LocalCluster run. With --nworkers K it starts K worker processes named
 * NAME-0 … NAME-(K-1) and exits when they all have. --interface listens on that interface's IPv4
 * address. In a batch job (--job-id given) a restarter starts each worker process again when it dies,
 * up to --restarts times (default 3; 0 turns it off; see restarter.ts). The worker processes the
 * restarter starts (every job script's) run with the worker environment (src/util/worker-environment.ts).
 * A lone worker started by hand stays the process it was started as, so a signal sent to it reaches the
 * worker itself; it has the worker environment only if its shell exported it.
 *
 * `--security-file FILE` holds the scheduler's keys (what `flotilla-scheduler` printed); without it the
 * worker connects without keys, which only a `--no-security` scheduler (or one on a private Unix
 * socket) accepts. Exit codes: 0 closed normally, 2 bad arguments, 3 refused by the scheduler (its
 * keys, or the registration) with the reason on stderr.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseBytes } from '../jobqueue/units.js';
import { interfaceAddress } from '../util/interface-address.js';
import { superviseWorkers, REFUSED_EXIT_CODE } from './restarter.js';
import { readCredentialsFile } from '../transport/security.js';
import { workerEnvironment } from '../util/worker-environment.js';
import { WorkerNode } from '../worker/worker.js';

const usage = 'usage: flotilla-worker <tcp://host:port> [--nthreads T] [--name NAME] [--memory-limit BYTES] [--local-directory DIR] [--death-timeout S] [--nworkers K] [--lifetime S] [--lifetime-stagger S] [--job-id ID] [--security-file FILE | --no-security] [--resources NAME=N,...] [--host HOST] [--interface NAME] [--restarts N] [--profile-interval MS]';

function fail(message: string): never {
  process.stderr.write(`flotilla-worker: ${message}\n${usage}\n`);
  process.exit(2);
}

/** Restarts per worker process in a batch job when --restarts is not given. */
const DEFAULT_JOB_RESTARTS = 3;

function listenAddress(name: string): string {
  try {
    return interfaceAddress(name, '--interface');
  } catch (error) {
    return fail((error as Error).message);
  }
}

function number(flag: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) fail(`--${flag} expects a number >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      nthreads: { type: 'string' }, name: { type: 'string' }, 'memory-limit': { type: 'string' },
      'local-directory': { type: 'string' }, 'death-timeout': { type: 'string' }, nworkers: { type: 'string' },
      lifetime: { type: 'string' }, 'lifetime-stagger': { type: 'string' }, 'job-id': { type: 'string' },
      'security-file': { type: 'string' }, 'no-security': { type: 'boolean' }, resources: { type: 'string' }, host: { type: 'string' },
      interface: { type: 'string' }, restarts: { type: 'string' }, 'profile-interval': { type: 'string' },
      'exit-with-parent': { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const values = parsed.values as Record<string, string | boolean | undefined>;
if (values.help) {
  process.stdout.write(usage + '\n');
  process.exit(0);
}
const [scheduler, ...extra] = parsed.positionals;
if (!scheduler) fail('the scheduler address is missing');
if (extra.length) fail(`unexpected arguments: ${extra.join(' ')}`);
const str = (k: string) => values[k] as string | undefined;

if (values['no-security'] && str('security-file') !== undefined) fail('--security-file and --no-security contradict each other: pass one');
const nworkers = number('nworkers', str('nworkers'), 1, 1);
const name = str('name');
const lifetime = number('lifetime', str('lifetime'), 0);
const stagger = number('lifetime-stagger', str('lifetime-stagger'), 0);

// Restarts per worker process: on by default in batch jobs (where a dead worker is otherwise lost until the walltime).
const restarts = number('restarts', str('restarts'), str('job-id') ? DEFAULT_JOB_RESTARTS : 0);
if (restarts !== Math.floor(restarts)) fail(`--restarts expects a whole number, got ${JSON.stringify(str('restarts'))}`);

/** Runs the worker (or, with --nworkers or --restarts, the restarter of its processes) and exits with its code. */
async function main(): Promise<never> {
  return nworkers > 1 || restarts > 0 ? superviseJob() : runWorker();
}

/** One job, several worker processes (or one, kept alive). */
async function superviseJob(): Promise<never> {
  // One job, several worker processes (or one, kept alive): the same command for each, with a distinct
  // name, started with the worker environment (the C library reads it only at start).
  // Loaded here: a lone worker (what LocalCluster starts) never spawns, and starts sooner without it.
  const { spawn } = await import('node:child_process');
  const self = fileURLToPath(import.meta.url);
  const base = name ?? `worker-${process.pid}`;
  const own = new Set(['--nworkers', '--name', '--restarts']);
  const rest = process.argv.slice(2).filter((_, i, all) => !(own.has(all[i] ?? '') || own.has(all[i - 1] ?? '')));
  const supervision = superviseWorkers({
    processes: nworkers,
    restarts,
    spawnWorker: (i) =>
      spawn(process.execPath, [...process.execArgv, self, ...rest, '--restarts', '0', '--name', nworkers > 1 ? `${base}-${i}` : base], { stdio: 'inherit', env: workerEnvironment() }),
    log: (line) => process.stderr.write(`flotilla-worker restarter (${base}): ${line}\n`),
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => supervision.stop(signal));
  const outcome = await supervision.done;
  process.exit(outcome.exitCode);
}

/** A lone worker in this process. */
async function runWorker(): Promise<never> {
  let resources: Record<string, number> | undefined;
  if (str('resources')) {
    resources = {};
    for (const pair of str('resources')!.split(',')) {
      const [key, amount] = pair.split('=');
      if (!key || amount === undefined || !Number.isFinite(Number(amount))) fail(`--resources expects NAME=N pairs separated by commas, got ${JSON.stringify(pair)}`);
      resources[key.trim()] = Number(amount);
    }
  }
  let memoryLimit = 0;
  try {
    memoryLimit = str('memory-limit') ? parseBytes(str('memory-limit')!, '--memory-limit') : 0;
  } catch (error) {
    fail((error as Error).message);
  }
  let security: ReturnType<typeof readCredentialsFile> | undefined;
  try {
    security = str('security-file') ? readCredentialsFile(str('security-file')!) : undefined;
  } catch (error) {
    fail((error as Error).message);
  }
  const lifetimeMs = lifetime > 0 ? (lifetime + Math.random() * stagger) * 1000 : undefined;
  // Signals are handled from the start: one arriving while the worker registers still closes it cleanly.
  let started: WorkerNode | undefined;
  let stopReason: string | undefined;
  const stop = (why: string) => {
    stopReason ??= why;
    if (started) void started.close(why);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const worker = (started = await WorkerNode.start({
    scheduler,
    name,
    nthreads: number('nthreads', str('nthreads'), 1, 1),
    memoryLimit,
    localDirectory: str('local-directory') ? `${str('local-directory')}/${name ?? `worker-${process.pid}`}` : undefined,
    deathTimeoutMs: number('death-timeout', str('death-timeout'), 60) * 1000,
    host: str('host') ?? (str('interface') ? listenAddress(str('interface')!) : undefined),
    resources,
    jobId: str('job-id') || undefined,
    security,
    lifetimeMs,
    ...(str('profile-interval') === undefined ? {} : { profileIntervalMs: number('profile-interval', str('profile-interval'), 0) }),
  }));
  if (stopReason) void worker.close(stopReason);
  // Started by a LocalCluster: when the parent dies (even by SIGKILL) the IPC channel closes.
  if (values['exit-with-parent'] && process.connected) process.on('disconnect', () => stop('the parent process is gone'));
  const reason = await worker.closed;
  worker.log.info(`exiting: ${reason}`);
  if (worker.failure) {
    process.stderr.write(`flotilla-worker: ${worker.failure.name}: ${worker.failure.message}\n`);
    process.exit(REFUSED_EXIT_CODE);
  }
  process.exit(0);
}

// No top-level await: the bundle LocalCluster starts (scripts/bundle-worker.mjs) is CommonJS, which loads sooner.
main().catch((error: unknown) => {
  process.stderr.write(`flotilla-worker: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
