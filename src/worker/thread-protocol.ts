/** Messages between a worker's main thread and its task threads (postMessage, structured clone). */
import type { ActorTaskPart, WireError } from '../protocol/messages.js';

/** A value as held on a worker: msgpack body plus raw binary frames (SharedArrayBuffer-backed when scattered). */
export interface StoredValue {
  body: Uint8Array;
  frames: Uint8Array[];
}

export interface ThreadTask {
  id: number;
  key: string;
  /** file: URL of the function's module. */
  fnUrl: string;
  args: StoredValue;
  /** Inputs; `null` means "computed earlier on this same thread": take it from the thread's recent results. */
  deps: Array<[string, StoredValue | null]>;
  /** Keep the decoded result for dependents that may follow on this thread. */
  keep: boolean;
  /** Set for an actor's tasks: `fnUrl` is the actor's class (see worker/actor-instances.ts). */
  actor?: ActorTaskPart;
}

export type MainToThread =
  | { t: 'tasks'; tasks: ThreadTask[] }
  | { t: 'drop'; ids: number[] }
  | { t: 'run'; id: number; fnUrl: string; args: StoredValue }
  /** Like run, but tasks on this thread wait until it is done (worker setups). */
  | { t: 'setup'; id: number; fnUrl: string; args: StoredValue }
  /** Close the thread's sockets (its getClient client): it is about to be ended. */
  | { t: 'close-sockets' };

export type ThreadResult =
  | { id: number; ok: true; value: StoredValue; nbytes: number; duration: number; start: number; thread: number }
  | { id: number; ok: false; error: WireError; duration: number; start: number; thread: number }
  /** A `null` input was not among the thread's recent results: the main thread sends the task again with values. */
  | { id: number; requeue: true };

/** A result that ran (not sent back for inputs). */
export type ThreadOutcome = Exclude<ThreadResult, { requeue: true }>;

export type ThreadToMain =
  | { t: 'ready' }
  | { t: 'results'; results: ThreadResult[] }
  /** The running task gave up its thread (secede): the thread runs its next task; the result comes later. */
  | { t: 'seceded'; id: number }
  /** A task opened sockets on this thread (getClient): close them before ending the thread. */
  | { t: 'sockets-opened' }
  | { t: 'sockets-closed' }
  /**
   * An actor's thread is ending on its own (process.exit, an uncaught error) with calls in flight at its
   * endpoint: the worker treats the thread as ended now (so the scheduler hears of the loss first), then
   * sets `proceed[0]` and notifies it, and the thread answers those calls and ends (actor-server.ts).
   */
  | { t: 'ending'; reason: string; proceed: Int32Array }
  | { t: 'run-result'; id: number; ok: boolean; value?: StoredValue; error?: WireError }
  | { t: 'log'; level: 'log' | 'info' | 'warn' | 'error' | 'debug'; text: string; key?: string };
