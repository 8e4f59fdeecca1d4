/**
 * The one door to batch-system commands: run an argument array without a shell, and turn every
 * failure into a {@link JobSubmissionError} that carries the command, exit code, stdout and stderr.
 */
import { spawn } from 'node:child_process';
import { JobSubmissionError } from '../errors/index.js';
import { shellCommand } from '../util/shell-quote.js';

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Environment of the command. @defaultValue `process.env` */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory. @defaultValue `process.cwd()` */
  readonly cwd?: string;
  /** Milliseconds before the command is killed and the call fails. @defaultValue `60_000` */
  readonly timeoutMs?: number;
  /** Text written to the command's stdin (which is otherwise empty). */
  readonly input?: string;
}

/** What a command that exited with 0 printed. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Default time limit of batch commands: schedulers under load can take tens of seconds to answer. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

/**
 * Runs `argv` (no shell: arguments are passed as they are) and resolves with its output when it exits with 0.
 * @throws JobSubmissionError when the command cannot be started (e.g. not installed: `exitCode` null),
 * exits with another code, is killed by a signal, or runs longer than `timeoutMs`. The message
 * includes the command, exit code, stdout and stderr.
 * @example await runCommand(['squeue', '-h', '-j', '12'])
 */
export function runCommand(argv: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const [command, ...args] = argv;
  if (command === undefined) {
    return Promise.reject(
      new JobSubmissionError('runCommand was given an empty command.', { command: [], exitCode: null, stdout: '', stderr: '' }),
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return new Promise((resolvePromise, rejectPromise) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let startError: NodeJS.ErrnoException | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A command that exits without reading its stdin makes our write fail with EPIPE; its exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const fields = { command: [...argv], exitCode, stdout, stderr };
      if (startError !== undefined) {
        const hint =
          startError.code === 'ENOENT'
            ? ` \`${command}\` was not found on PATH. Job-queue clusters must run where the batch system's commands are ` +
              `installed (usually a login node), with them on PATH.`
            : '';
        rejectPromise(
          new JobSubmissionError(`Could not run ${shellCommand(argv)}: ${startError.message}.${hint}`, fields, {
            cause: startError,
          }),
        );
      } else if (timedOut) {
        rejectPromise(
          new JobSubmissionError(
            `${shellCommand(argv)} did not finish within ${timeoutMs} ms and was killed. The batch system may be ` +
              `overloaded or hanging; try again, or raise the timeout.${formatOutput(stdout, stderr)}`,
            fields,
          ),
        );
      } else if (exitCode !== 0) {
        const how = exitCode === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${exitCode}`;
        rejectPromise(new JobSubmissionError(`${shellCommand(argv)} ${how}.${formatOutput(stdout, stderr)}`, fields));
      } else {
        resolvePromise({ stdout, stderr });
      }
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      startError = error;
      // A command that never started emits no 'close' on every Node version; one that did will.
      if (child.pid === undefined) finish(null, null);
    });
    child.on('close', finish);
  });
}

function formatOutput(stdout: string, stderr: string): string {
  const show = (text: string): string => (text.trim() === '' ? ' (empty)' : `\n${text.trimEnd()}`);
  return `\nstdout:${show(stdout)}\nstderr:${show(stderr)}`;
}
