/**
 * One thread of the worker's thread pool (thread-pool.ts), as the pool keeps it: the thread (started
 * lazily), its queue of tasks, the tasks that seceded from it, and how to end it without aborting the
 * process.
 */
import type { Worker as Thread } from 'node:worker_threads';
import type { MainToThread, ThreadTask } from './thread-protocol.js';

/** A task thread or an actor's thread, with what the pool sent it. */
export interface ThreadSlot {
  index: number;
  /** Started on the slot's first message (a task, a run), so an idle worker holds no thread it has not used. */
  thread: Thread | undefined;
  /** The thread's name (its workerData), kept for a lazy start. */
  name: string;
  queue: ThreadTask[];
  /** Tasks that seceded: still running on this thread, no longer occupying it. */
  seceded: Map<number, ThreadTask>;
  alive: boolean;
  /** The actor this thread hosts (an extra thread, see `openActorThread`). */
  actor?: string;
  /** Set once a task opened sockets on this thread (getClient): resolves when they are closed. */
  socketsClosed?: Promise<void>;
  onSocketsClosed?: () => void;
}

/** How long a thread may take to close its sockets before it is ended anyway. */
const SOCKET_CLOSE_MS = 1_000;

/**
 * Ends a thread, first letting it close the sockets a task opened there (ZeroMQ aborts the process when
 * a thread with open sockets is ended). A thread stuck in a task cannot answer: it is ended after a second.
 */
export async function endThread(slot: ThreadSlot): Promise<void> {
  // An actor's thread may have opened its own endpoint (actor-server.ts) a moment ago, its notice still
  // on the way here: it is always asked (it answers at once when it has nothing to close).
  const running = slot.thread !== undefined && slot.thread.threadId !== -1;
  if (slot.actor !== undefined && running) slot.socketsClosed ??= new Promise<void>((resolve) => (slot.onSocketsClosed = resolve));
  if (slot.socketsClosed && running) {
    slot.thread?.postMessage({ t: 'close-sockets' } satisfies MainToThread);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([slot.socketsClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, SOCKET_CLOSE_MS)))]);
    clearTimeout(timer);
  }
  await slot.thread?.terminate();
}
