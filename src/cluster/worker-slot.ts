/**
 * What a LocalCluster keeps per worker name: the current process (or in-process worker), whether it
 * joined, and the record of its starts that decides when to back off and when to give up.
 */
import type { ChildProcess } from 'node:child_process';
import { WorkerStartError } from '../errors/index.js';
import type { ManagedProcess } from '../util/child-process.js';
import type { WorkerNode } from '../worker/worker.js';

/** A worker whose process exits before registering this many times in a row is given up on. */
export const MAX_FAILED_STARTS = 3;
/** How much of a failing worker's stderr its WorkerStartError keeps. */
const STDERR_TAIL_BYTES = 2_000;
/** Starts are counted over this window to back off from a worker that crashes at start. */
const RESTART_WINDOW_MS = 60_000;

/** One worker of a LocalCluster, across the processes that run it in turn. */
export interface WorkerSlot {
  name: string;
  process?: ManagedProcess;
  node?: WorkerNode;
  /** Restarts within the last minute, to back off from a worker that crashes at start. */
  recentStarts: number[];
  retiring: boolean;
  /** The current process registered with the scheduler. */
  joined: boolean;
  /** Processes in a row that exited before they registered. */
  failedStarts: number;
  /** The end of the current process's stderr (a bounded tail, for the start-failure error). */
  stderrTail: string;
}

/** A slot for a worker not started yet. */
export function newSlot(name: string): WorkerSlot {
  return { name, recentStarts: [], retiring: false, joined: false, failedStarts: 0, stderrTail: '' };
}

/** Notes a start of the slot's worker now. */
export function recordStart(slot: WorkerSlot): void {
  slot.recentStarts = [...slot.recentStarts.filter((t) => Date.now() - t < RESTART_WINDOW_MS), Date.now()];
}

/** Keeps the end of what the slot's current process wrote to stderr, until it joined. */
export function keepStderr(slot: WorkerSlot, chunk: Buffer): void {
  if (!slot.joined) slot.stderrTail = (slot.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
}

/** How long to wait before starting a replacement: at once after one crash, then 250 ms doubling up to 5 s. */
export function restartDelayMs(slot: WorkerSlot): number {
  const crashes = slot.recentStarts.filter((t) => Date.now() - t < RESTART_WINDOW_MS).length;
  return crashes <= 1 ? 0 : Math.min(5_000, 250 * 2 ** (crashes - 2));
}

/** How a process ended, as a phrase: `exited with code 1`, `killed by SIGKILL`. */
export function howItEnded(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exited with code ${code}`;
}

/** The error of a worker given up on: it exited before it joined MAX_FAILED_STARTS times in a row. */
export function startFailure(slot: WorkerSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): WorkerStartError {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const tail = slot.stderrTail.trim();
  return new WorkerStartError(
    `LocalCluster: worker ${slot.name} exited before it joined ${slot.failedStarts} times in a row; the last (pid ${child.pid}) ${how}. ` +
      (tail ? `The end of its stderr:\n${indent(tail)}\n` : 'It wrote nothing to stderr. ') +
      'Check the `env` given to the cluster (NODE_OPTIONS, for instance) and run `flotilla-worker` by hand with the same environment to see it fail.',
    { worker: slot.name, exitCode: code, signal, stderr: slot.stderrTail },
  );
}

function indent(text: string): string {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}
