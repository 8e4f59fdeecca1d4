/**
 * What code running inside a task can ask of its task thread: which task it is, how to give up its
 * thread (secede), and how to reach the scheduler (for `getClient()`). Set by the task thread; read by
 * `getClient` and `secede`. It imports nothing of the client or the scheduler, so both may use it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CurveCredentials } from '../transport/security.js';

/** The task whose code is running now (followed across `await` by AsyncLocalStorage). */
export interface TaskContext {
  readonly key: string;
  /** True once the task gave up its thread. */
  seceded: boolean;
  /** Gives up the thread: the thread takes its next task while this one goes on (no-op when done already). */
  secede(): void;
}

/** How a task thread reaches the scheduler, as its worker does. */
export interface WorkerClientInfo {
  scheduler: string;
  security?: CurveCredentials;
  workerName: string;
}

export const taskContext = new AsyncLocalStorage<TaskContext>();

let clientInfo: WorkerClientInfo | undefined;

/**
 * Sockets opened in a task thread must be closed before the thread is ended (ZeroMQ aborts the whole
 * process otherwise): the worker client registers its close here, and the task thread tells its worker.
 */
export const threadSockets = {
  /** Set by the task thread: tells the worker this thread now has sockets to close first. */
  opened: (): void => {},
  closers: [] as Array<() => Promise<void>>,
};

/** Called once by the task thread at start. */
export function setWorkerClientInfo(info: WorkerClientInfo | undefined): void {
  clientInfo = info;
}

/** Set inside a task thread of a worker; undefined anywhere else. */
export function workerClientInfo(): WorkerClientInfo | undefined {
  return clientInfo;
}
