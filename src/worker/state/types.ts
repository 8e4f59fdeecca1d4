/**
 * What the worker's task state (task-state.ts) works through, and the record it keeps per task. The
 * contracts are apart from the state so that the thread pool, the local files, `LocalTasks` and the
 * tests' recording fakes can see what they must offer without reading the state's decisions.
 */
import type { ComputeOrder, TaskFinishedReport, WireError, WorkerToScheduler } from '../../protocol/messages.js';
import type { ThreadTask } from '../thread-protocol.js';

/** What the state asks of and hands to the task threads. `ThreadPool` is one. */
export interface TaskThreads {
  /** How many more tasks running the function at `fnUrl` the threads take now. */
  freeSlots(fnUrl: string): number;
  /** The thread index each queued thread task (by id) went to, while it is queued or running. */
  readonly placement: ReadonlyMap<number, number>;
  /** Sends tasks to the least busy threads; returns those that did not fit. */
  dispatch(tasks: ThreadTask[]): ThreadTask[];
  /** Appends tasks to one thread's queue, behind the inputs they take from it. False when it is full or gone. */
  dispatchTo(index: number, tasks: ThreadTask[]): boolean;
  /** Stops a thread task, queued or running. */
  cancel(taskId: number): void;
  /** Starts a thread of its own for an actor; returns its index for `dispatchTo`. */
  openActorThread(actor: string): number;
  /** Ends an actor's thread. */
  closeActorThread(index: number): void;
}

/** Where task functions' modules are. `LocalFiles` is one. */
export interface FunctionModules {
  /** The file: URL of a function's module; throws when the function is not known here. */
  functionUrl(fn: string): string;
}

/** Messages the state sends to the scheduler as they arise (completion reports go in batches instead). */
export type TaskStateMessage = Extract<WorkerToScheduler, { op: 'task-erred' | 'missing-data' | 'actor-lost' }>;

/** What the state has the worker do besides running threads. */
export interface TaskEffects {
  send(message: TaskStateMessage): void;
  /** The first completion report since the last `takeReports()` was queued: take them soon, in one message. */
  reportsQueued(): void;
  /** Threads have room again or tasks became ready: call `pump()` soon (once for many such calls). */
  pumpSoon(): void;
  /** Fetch a task's inputs from peers: pass each value to `inputFetched`, then the outcome to `fetchDone`. */
  fetch(request: FetchRequest): void;
  /** A direct actor call ended: answer the client that sent it (its report carries the value), not the scheduler. */
  answerDirect(origin: DirectOrigin, key: string, outcome: { report: TaskFinishedReport } | { error: WireError; duration: number }): void;
}

/** Who sent a direct actor call (src/worker/direct-calls.ts): the peer's routing id and the call's id. */
export interface DirectOrigin {
  readonly peer: string;
  readonly id: number;
  /** The actor called. */
  readonly actor?: string;
}

/** The inputs one task needs from peers. */
export interface FetchRequest {
  /** The keys to ask each holder (a worker's address) for. */
  readonly byHolder: Map<string, string[]>;
  /** Keys the scheduler named no holder for: missing from the start. */
  readonly unavailable: string[];
  /** The task that needs them; only the state reads it. */
  readonly task: LocalTask;
}

export interface TaskStateOptions {
  /** The abstract resources this worker offers (`{ GPU: 2 }`). */
  offeredResources: Record<string, number>;
  /** Chooses among an input's holders; `Math.random` unless a test needs to know. */
  random?: () => number;
  /** Milliseconds since the epoch, for failures that happen off a thread; `Date.now` unless a test needs to know. */
  now?: () => number;
}

/** A task the scheduler gave this worker, as the state keeps it until it finishes, fails or is cancelled. */
export interface LocalTask {
  id: number;
  order: ComputeOrder;
  /** Inputs still missing: computed here later, or being fetched. */
  missing: Set<string>;
  state: 'waiting' | 'ready' | 'dispatched';
  /** Milliseconds spent fetching inputs from peers. */
  transferMs: number;
  /** Set for an actor call a client sent straight here: its end is answered to that client. */
  direct?: DirectOrigin;
}
