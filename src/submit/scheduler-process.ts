/**
 * Starts `flotilla-scheduler` as a child process and reads its address from its first line of output.
 *
 * A child process (rather than a scheduler inside this process) keeps the driver small and lets the
 * scheduler be stopped like every other helper. To run the scheduler in-process instead, provide another
 * {@link SchedulerLauncher} to `startAllocationCluster`.
 */
import { createInterface } from 'node:readline';
import { CancelledError, TimeoutError } from '../errors/index.js';
import { describeExit, settleWithin, startProcess, stopProcess, type ManagedProcess } from '../util/child-process.js';
import { AllocationError } from './errors.js';

/** The line the scheduler prints on stdout when it is ready. */
export const SCHEDULER_READY_LINE = /^flotilla scheduler listening at (tcp:\/\/\S+)\s*$/;

/** A running scheduler, as the cluster sees it. */
export interface RunningScheduler {
  /** The address workers and clients connect to, `tcp://host:port`. */
  readonly address: string;
  /** Resolves when the scheduler has ended, with a phrase saying how ("exited with code 1"). */
  readonly ended: Promise<string>;
  /** Stops the scheduler: SIGTERM, then SIGKILL after `graceMs` milliseconds. */
  stop(graceMs: number): Promise<void>;
}

/** Starts a scheduler and resolves once its address is known. */
export type SchedulerLauncher = (options: {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}) => Promise<RunningScheduler>;

/** How much of the scheduler's stderr to keep for error messages, in characters. */
const STDERR_TAIL_CHARS = 4_000;

/**
 * A {@link SchedulerLauncher} that runs `argv` (built by `buildSchedulerCommand`) as a child process in
 * its own process group. Its stderr, and its stdout after the address line, are copied to our stderr so
 * the user's command keeps stdout to itself.
 *
 * @throws AllocationError when the scheduler ends before printing its address (with the end of its stderr).
 * @throws TimeoutError when it prints no address within `timeoutMs`.
 * @throws CancelledError when `signal` is aborted first.
 */
export function childProcessScheduler(argv: readonly string[], stopGraceMs: number): SchedulerLauncher {
  return async ({ timeoutMs, signal, log }) => {
    const managed = startProcess(argv, { log, stdio: ['ignore', 'pipe', 'pipe'], ownProcessGroup: true });
    let stderrTail = '';
    managed.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    const address = await readAddress(managed, { timeoutMs, signal, stderrTail: () => stderrTail }).catch(async (error: unknown) => {
      await stopProcess(managed, stopGraceMs);
      throw error;
    });
    return {
      address,
      ended: managed.exited.then(describeExit),
      stop: async (graceMs) => {
        await stopProcess(managed, graceMs);
      },
    };
  };
}

async function readAddress(
  managed: ManagedProcess,
  options: { timeoutMs: number; signal: AbortSignal; stderrTail: () => string },
): Promise<string> {
  const stdout = managed.child.stdout;
  if (stdout === null) throw new TypeError('the scheduler must be started with a piped stdout');
  const lines = createInterface({ input: stdout, crlfDelay: Infinity });
  const command = managed.argv.join(' ');
  return new Promise<string>((resolve, reject) => {
    let found = false;
    const timer = setTimeout(() => {
      finish(() => reject(new TimeoutError(`The scheduler (${command}) printed no "flotilla scheduler listening at tcp://..." line within ${options.timeoutMs / 1000} s. Raise --timeout if the node is slow to start Node.js.`)));
    }, options.timeoutMs);
    const onAbort = (): void => {
      finish(() => reject(new CancelledError('Stopped while waiting for the scheduler to start.', { cause: options.signal.reason })));
    };
    const finish = (settle: () => void): void => {
      if (found) return;
      found = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      settle();
    };
    lines.on('line', (line) => {
      const match = found ? null : SCHEDULER_READY_LINE.exec(line);
      if (match?.[1] !== undefined) {
        const address = match[1];
        finish(() => resolve(address));
        return;
      }
      // Everything else the scheduler prints goes to our stderr, keeping stdout for the user's command.
      process.stderr.write(`${line}\n`);
    });
    // Wait for the last lines after an exit: 'exit' can come before the pipe's final data is read.
    const linesClosed = new Promise<void>((resolve) => lines.once('close', () => resolve()));
    void managed.exited.then(async (status) => {
      await settleWithin(linesClosed, 1_000);
      finish(() =>
        reject(
          new AllocationError(
            `The scheduler ${describeExit(status)} before printing its address. Command: ${command}. ` +
              `End of its stderr: ${options.stderrTail().trim() || '(empty)'}`,
          ),
        ),
      );
    });
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
}
