/**
 * The one door through which flotilla starts and stops processes (`flotilla submit`, `start-cluster`,
 * `LocalCluster`'s workers): every command is printed before it runs, every wait is bounded, and stopping
 * is SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { formatCommand } from './shell-quote.js';

/** How a process ended. */
export interface ExitStatus {
  /** The exit code, or `null` when the process was killed by a signal or never started. */
  readonly code: number | null;
  /** The signal that killed the process, or `null`. */
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (for example `ENOENT`: no such program). */
  readonly spawnError?: NodeJS.ErrnoException;
}

/** A started process, with a promise of its end that never rejects. */
export interface ManagedProcess {
  readonly argv: readonly string[];
  readonly child: ChildProcess;
  /** Resolves when the process has ended (or failed to start). */
  readonly exited: Promise<ExitStatus>;
  /** The exit status once the process has ended, `undefined` while it runs. */
  status(): ExitStatus | undefined;
  /** Whether it runs in its own process group, so that signals reach its children too. */
  readonly ownProcessGroup: boolean;
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  /** Prints one line (the command about to run). */
  readonly log: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** @defaultValue `'inherit'` */
  readonly stdio?: StdioOptions;
  /**
   * Start the process in its own process group. Helpers (scheduler, worker steps) use it so that a Ctrl-C
   * sent to the terminal's process group does not kill them before the user's command has been stopped,
   * and so that stopping them also stops their children. @defaultValue false
   */
  readonly ownProcessGroup?: boolean;
}

/** Prints `argv` as a shell command, then starts it (without a shell). */
export function startProcess(argv: readonly string[], options: StartProcessOptions): ManagedProcess {
  const [program, ...args] = argv;
  if (program === undefined) throw new TypeError('startProcess needs a non-empty argument vector');
  options.log(formatCommand(argv));
  const ownProcessGroup = options.ownProcessGroup ?? false;
  const child = spawn(program, args, { env: options.env ?? process.env, stdio: options.stdio ?? 'inherit', detached: ownProcessGroup });
  return manageProcess(child, argv, ownProcessGroup);
}

/**
 * Wraps a process spawned elsewhere (with options {@link startProcess} does not offer) so that
 * {@link stopProcess} and {@link signalProcess} work on it. Call it right after `spawn`, before any event
 * can be missed.
 */
export function manageProcess(child: ChildProcess, argv: readonly string[], ownProcessGroup = false): ManagedProcess {
  let finalStatus: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      finalStatus = { code, signal };
      resolve(finalStatus);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      // 'error' without a pid means the program never started, and no 'exit' will follow.
      if (child.pid === undefined) {
        finalStatus = { code: null, signal: null, spawnError: error };
        resolve(finalStatus);
      }
    });
  });
  return { argv, child, exited, status: () => finalStatus, ownProcessGroup };
}

/** Sends `signal` to the process (and its group when it has its own). Does nothing once it has ended. */
export function signalProcess(managed: ManagedProcess, signal: NodeJS.Signals): void {
  const pid = managed.child.pid;
  if (pid === undefined || managed.status() !== undefined) return;
  try {
    process.kill(managed.ownProcessGroup ? -pid : pid, signal);
  } catch (error) {
    // ESRCH: it ended between the check above and the kill; that is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Stops a process: `firstSignal` (SIGTERM), then SIGKILL if it is still running after `graceMs`.
 *
 * @param graceMs - how long to wait after the first signal, in milliseconds.
 * @returns the exit status, or `undefined` if even SIGKILL did not end it within another `graceMs`
 *   (a process stuck in the kernel); the caller logs that and moves on.
 */
export async function stopProcess(
  managed: ManagedProcess,
  graceMs: number,
  firstSignal: NodeJS.Signals = 'SIGTERM',
): Promise<ExitStatus | undefined> {
  const already = managed.status();
  if (already !== undefined) return already;
  signalProcess(managed, firstSignal);
  const afterGrace = await settleWithin(managed.exited, graceMs);
  if (afterGrace !== undefined) return afterGrace;
  signalProcess(managed, 'SIGKILL');
  return settleWithin(managed.exited, graceMs);
}

/** Resolves with the promise's value, or `undefined` after `ms` milliseconds; the timer is always cleared. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The number of a signal (`SIGINT` → 2), for the shell convention of exit code 128 + number. */
export function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}

/**
 * The exit code a shell would report: the code itself, 128 + the signal's number for a killed process,
 * 127 for a program that was not found and 126 for one that could not be executed.
 */
export function exitCodeOf(status: ExitStatus): number {
  if (status.spawnError !== undefined) return status.spawnError.code === 'ENOENT' ? 127 : 126;
  if (status.code !== null) return status.code;
  if (status.signal !== null) return 128 + signalNumber(status.signal);
  return 1;
}

/** A phrase for logs and errors: "exited with code 3", "was killed by SIGKILL", "could not start (ENOENT)". */
export function describeExit(status: ExitStatus): string {
  if (status.spawnError !== undefined) return `could not start (${status.spawnError.code ?? status.spawnError.message})`;
  if (status.signal !== null) return `was killed by ${status.signal}`;
  return `exited with code ${status.code ?? 'unknown'}`;
}

/** The result of {@link runCaptured}. */
export interface CapturedRun {
  readonly status: ExitStatus;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a short command to completion and captures its output (for `scontrol`), printing it first.
 * Kills it with SIGKILL if it has not ended after `timeoutMs`.
 */
export async function runCaptured(
  argv: readonly string[],
  options: { readonly log: (line: string) => void; readonly timeoutMs: number; readonly env?: NodeJS.ProcessEnv },
): Promise<CapturedRun> {
  const managed = startProcess(argv, { log: options.log, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  // 'close' comes after 'exit' once both pipes are drained; listen now so it cannot be missed.
  const closed = new Promise<void>((resolve) => managed.child.once('close', () => resolve()));
  managed.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  managed.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const status = (await settleWithin(managed.exited, options.timeoutMs)) ?? (await stopProcess(managed, 1_000, 'SIGKILL'));
  await settleWithin(closed, 1_000);
  return { status: status ?? { code: null, signal: 'SIGKILL' }, stdout, stderr };
}
