/**
 * Every message flotilla sends, one discriminated union per direction, shared by both ends.
 *
 * Frame layout of one ZeroMQ multipart message (see `codec.ts`):
 *   [routing id (ROUTER side only)] [msgpack body: Message[]] [binary frame 0] [binary frame 1] …
 * The body is always a batch (an array of messages). Binary payloads (`OutOfBand`) are not copied into
 * the body: each is replaced by a tiny msgpack extension holding its frame index.
 */
import type { OutOfBand } from './out-of-band.js';
import type { ProfileData, ProfileQuery, TaskRunRecord, TransferReport } from './records.js';
import type { TaskKey } from './task-key.js';

export type { TaskKey } from './task-key.js';

/** A value as it travels: a msgpack body plus out-of-band binary frames (large typed arrays). */
export interface WireValue {
  body: Uint8Array;
  frames: OutOfBand[];
}

/** An error as it travels; rebuilt as the same class (or a `TaskError` keeping `name`) on the client. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  key?: string;
  /** Extra fields of flotilla error classes (e.g. `workers` of KilledWorkerError). */
  fields?: Record<string, unknown>;
}

export interface Restrictions {
  /** Worker ids, names, hosts or addresses the task may run on. */
  workers?: string[];
  /** When true, `workers` is a preference, not a requirement. */
  allowOtherWorkers?: boolean;
  /** Abstract resources the task needs while it runs, e.g. `{ GPU: 1 }`. */
  resources?: Record<string, number>;
}

/**
 * What makes a task part of an actor (see src/actors/): the task that constructs it (`create`), a method
 * call on it (`call`) or the read of one of its attributes (`get`).
 */
export interface ActorTaskPart {
  /** The actor's key: the key of its `create` task. */
  actor: TaskKey;
  kind: 'create' | 'call' | 'get';
  /** The class name (`create`), the method called (`call`) or the attribute read (`get`). */
  name: string;
  /** `create`: async method calls that may run at once on the actor. */
  maxConcurrency?: number;
  /** `create`: times the constructor runs again on another worker when the actor's worker dies. */
  maxRestarts?: number;
  /** `call`/`get`: the handle that made it (its calls run in the order it made them). */
  handle?: string;
  /**
   * `call`/`get` sent by the client straight to the actor's worker at address `worker` (src/actors/direct.ts);
   * `seq` counts the handle's direct calls. The scheduler only records it (the client reports its end).
   */
  direct?: { worker: string; seq: number };
  /** Set by the scheduler on a routed call: the worker runs it only after the handle's direct call `after` arrived. */
  after?: number;
}

export interface TaskSpec {
  key: TaskKey;
  /** Hash of the function's module source (sent once with a `functions` message). */
  fn: string;
  /** The encoded argument array; futures inside it are references to `deps`. */
  args: WireValue;
  deps: TaskKey[];
  priority: number;
  retries: number;
  /** Task group, for statistics and the dashboard: the function's name. */
  group: string;
  restrictions?: Restrictions;
  /** Set for the tasks of an actor: they run on the actor's own thread, in the order submitted. */
  actor?: ActorTaskPart;
}

export interface FunctionSource {
  hash: string;
  name: string;
  source: string;
}

/** One registered worker as the scheduler sees it (`client.schedulerInfo().workers`, `scheduler.workerSummaries()`). */
export interface WorkerSummary {
  /** The scheduler's id for this worker. */
  id: string;
  /** The worker's name (unique on the scheduler). */
  name: string;
  /** The host it runs on. */
  host: string;
  /** Where peers fetch its results (`ipc://…` or `tcp://host:port`). */
  address: string;
  /** Its task threads. */
  nthreads: number;
  /** Its memory limit in bytes. */
  memoryLimit: number;
  /** Its process's resident memory in bytes, as of its last heartbeat. */
  memory: number;
  /** Tasks running on its threads now. */
  running: number;
  /** Tasks assigned to it that wait for a thread. */
  queued: number;
  /** The batch job it runs in, when started by a job-queue cluster. */
  jobId?: string;
  /** Its process id (on `host`). */
  pid: number;
  /** Abstract resources it offers (e.g. `{ GPU: 2 }`). */
  resources: Record<string, number>;
}

/** Where a dependency lives: peer addresses of its holders, or `local` when it is being computed on the same worker. */
export interface DepLocation {
  key: TaskKey;
  holders: string[];
  local: boolean;
}

/** What a coordination request acts on: a named Lock, Event, Queue, Variable or published dataset. */
export type CoordinationKind = 'lock' | 'event' | 'queue' | 'variable' | 'dataset';

/** One operation on a named coordination object (see src/coordination/); `action` is checked per kind. */
export interface CoordinationRequest {
  kind: CoordinationKind;
  name: string;
  action: string;
  /** The value put, set or published; futures inside it are listed in `keys`. */
  value?: WireValue;
  keys?: TaskKey[];
  /** How long a blocking action (acquire, wait, get, put) waits, in milliseconds; absent: until it can. */
  timeoutMs?: number;
  /** The Lock object's own id: only the object that acquired a lock releases it. */
  lease?: string;
  /** A queue's capacity when this request creates it (0: unbounded). */
  maxsize?: number;
  /** Publish over a dataset of the same name. */
  override?: boolean;
}

// ---------------------------------------------------------------- client → scheduler
export type ClientToScheduler =
  | { op: 'hello'; clientId: string; version: string }
  | { op: 'functions'; fns: FunctionSource[] }
  | { op: 'submit'; tasks: TaskSpec[] }
  | { op: 'release'; keys: TaskKey[] }
  /** Runs these erred tasks again (and the erred inputs they failed through). */
  | { op: 'retry'; keys: TaskKey[] }
  /** Drops this client's claim on the keys; cancels those no other client wants (all of them with `force`). */
  | { op: 'cancel'; keys: TaskKey[]; force?: boolean }
  | { op: 'who-has'; id: number; keys: TaskKey[] }
  | { op: 'gather-proxy'; id: number; keys: TaskKey[] }
  | { op: 'run'; id: number; fn: string; args: WireValue; workers?: string[]; timeoutMs: number }
  | { op: 'register-setup'; id: number; name: string; fn: string; args: WireValue; timeoutMs: number }
  | { op: 'unregister-setup'; id: number; name: string }
  | { op: 'worker-logs'; id: number; tail: number; workers?: string[] }
  | { op: 'scatter'; id: number; keys: TaskKey[]; values: WireValue[]; broadcast: boolean; workers?: string[] }
  | { op: 'upload-file'; id: number; name: string; data: OutOfBand }
  | { op: 'info'; id: number }
  | { op: 'task-stream'; id: number; since: number }
  | { op: 'heartbeat' }
  | { op: 'goodbye' }
  /** Keep computing these keys after this client lets go of them (fireAndForget). */
  | { op: 'fire-and-forget'; keys: TaskKey[] }
  /** Cancel every task of every client, restart every worker's task threads and drop its data. */
  | { op: 'restart'; id: number; timeoutMs: number }
  /** Retire these workers gracefully (results copied elsewhere first); close them unless `closeWorkers` is false. */
  | { op: 'retire-workers'; id: number; workers: string[]; closeWorkers: boolean }
  /** Copy each key onto `n` workers (default: all, or all of `workers`), dropping copies beyond `n`. */
  | { op: 'replicate'; id: number; keys: TaskKey[]; n?: number; workers?: string[] }
  /** Move results so each worker holds about the same bytes (only `keys`, on `workers`, when given). */
  | { op: 'rebalance'; id: number; keys?: TaskKey[]; workers?: string[] }
  /** A coordination operation; answered with `coordinate-reply`. */
  | { op: 'coordinate'; id: number; request: CoordinationRequest }
  /** This client now holds futures of these keys (from a coordination value): tell it where each stands. */
  | { op: 'want-keys'; keys: TaskKey[] }
  /** The task threads' samples (`client.profile`) of every worker, or of `workers`; answered with `profile-reply`. */
  | { op: 'profile'; id: number; query: ProfileQuery; workers?: string[] }
  /** Results this client fetched straight from workers (for the task stream). */
  | { op: 'transfers'; transfers: TransferReport[] }
  /** Direct actor calls (TaskSpec.actor.direct) that finished on the worker at address `worker`, as its reply said. */
  | { op: 'actor-done'; worker: string; reports: TaskFinishedReport[] }
  /** A direct actor call that failed on the worker at address `worker` (or that it refused). */
  | { op: 'actor-erred'; worker: string; key: TaskKey; error: WireError; duration: number };

export type { ProfileQuery, ProfileData, TaskRunRecord, TransferReport } from './records.js';

/** One finished task as told to a client; small results come with it. */
export interface FinishedItem {
  key: TaskKey;
  nbytes: number;
  value?: WireValue;
}

// ---------------------------------------------------------------- scheduler → client
export type SchedulerToClient =
  /** `dashboardLink`: the scheduler's status page, when a dashboard serves it. */
  /** `heartbeatMs`: how often the client should say it is alive, so that the scheduler's client TTL never drops a running client. */
  | { op: 'welcome'; schedulerId: string; workers: number; dashboardLink?: string; heartbeatMs?: number }
  | { op: 'task-finished'; items: FinishedItem[] }
  | { op: 'task-erred'; key: TaskKey; error: WireError }
  /** These keys were cancelled, all for `reason` (merged: a million cancels are a few messages). */
  | { op: 'task-cancelled'; keys: TaskKey[]; reason: string }
  | { op: 'task-lost'; key: TaskKey; reason: string }
  /** These erred keys run again (`client.retry`): their futures are pending again. */
  | { op: 'task-retried'; keys: TaskKey[] }
  /** No connected worker may run `key` (its restrictions); it waits. Sent once per kind of restriction. */
  | { op: 'no-worker'; key: TaskKey; reason: string }
  | { op: 'who-has-reply'; id: number; holders: Record<TaskKey, string[]> }
  | { op: 'gather-reply'; id: number; values: Record<TaskKey, WireValue>; missing: TaskKey[] }
  | { op: 'run-reply'; id: number; results: Record<string, WireValue>; errors: Record<string, WireError> }
  | { op: 'scatter-reply'; id: number; error?: WireError }
  | { op: 'upload-reply'; id: number; workers: string[]; errors: Record<string, WireError> }
  | { op: 'info-reply'; id: number; workers: WorkerSummary[]; tasks: Record<string, number> }
  | { op: 'task-stream-reply'; id: number; runs: TaskRunRecord[] }
  | { op: 'worker-logs-reply'; id: number; logs: Record<string, string[]> }
  | { op: 'workers-changed'; count: number }
  /** The answer to restart, retire-workers, replicate and rebalance: the workers (or keys) acted on. */
  | { op: 'control-reply'; id: number; done: string[]; error?: WireError }
  /** The answer to `coordinate`: whether it succeeded (acquired, set, in time), and what it returns. */
  | { op: 'coordinate-reply'; id: number; ok: boolean; value?: WireValue; names?: string[]; count?: number; error?: WireError }
  /** The answer to `profile`: each worker's samples, or why it has none (profiling off, no answer). */
  | { op: 'profile-reply'; id: number; profiles: Record<string, ProfileData>; errors: Record<string, WireError> }
  | { op: 'error'; error: WireError }
  /** The scheduler does not know this client (it timed it out): say hello again and resubmit what is still wanted. */
  | { op: 'unknown-client' };

// ---------------------------------------------------------------- worker → scheduler
export interface WorkerRegistration {
  name: string;
  host: string;
  /** The worker's peer address (ROUTER) that clients and other workers fetch data from. */
  address: string;
  nthreads: number;
  memoryLimit: number;
  resources: Record<string, number>;
  pid: number;
  jobId?: string;
  localDirectory: string;
}

export interface TaskFinishedReport {
  key: TaskKey;
  nbytes: number;
  /** Microseconds the function ran. */
  duration: number;
  /** When it started, in milliseconds since the epoch (fractional), and on which task thread. */
  start: number;
  thread: number;
  /** Milliseconds spent fetching inputs from other workers before it could run (0 when all were local). */
  transfer: number;
  /** The value itself when it is small: the scheduler forwards it to the clients waiting for it. */
  value?: WireValue;
}

export type WorkerToScheduler =
  | { op: 'register'; worker: WorkerRegistration }
  | { op: 'heartbeat'; executing: TaskKey[]; memory: number; queued: number }
  | { op: 'task-finished'; reports: TaskFinishedReport[] }
  | { op: 'task-erred'; key: TaskKey; error: WireError; duration: number; start: number; thread: number }
  | { op: 'started'; keys: TaskKey[] }
  | { op: 'missing-data'; key: TaskKey; missing: TaskKey[] }
  | { op: 'data-stored'; id: number; keys: TaskKey[]; nbytes: number[] }
  | { op: 'run-result'; id: number; value?: WireValue; error?: WireError }
  | { op: 'logs'; id: number; lines: string[] }
  | { op: 'data-reply'; id: number; values: Record<TaskKey, WireValue>; missing: TaskKey[] }
  | { op: 'upload-done'; id: number; error?: WireError }
  | { op: 'unregister'; reason: string }
  /** The worker wants to leave (its lifetime is up): move its results elsewhere, then close it. */
  | { op: 'retire-me'; reason: string }
  /** These running tasks gave up their thread (secede): they no longer count against its threads. */
  | { op: 'long-running'; keys: TaskKey[] }
  /** The worker dropped every task and result and replaced its task threads (answer to `restart`). */
  | { op: 'restarted'; id: number }
  /** The thread of actor `key` ended on this live worker (a crash in a method): the actor is gone here. */
  | { op: 'actor-lost'; key: TaskKey; reason: string }

  /** The answer to `get-profile`: the samples asked for, or why there are none (`error`). */
  | { op: 'profile-data'; id: number; profile?: ProfileData; error?: WireError }
  /** Results this worker fetched from peers (inputs, copies): for the task stream. */
  | { op: 'transfers'; transfers: TransferReport[] };

// ---------------------------------------------------------------- scheduler → worker
export interface ComputeOrder {
  key: TaskKey;
  fn: string;
  args: WireValue;
  deps: DepLocation[];
  priority: number;
  resources?: Record<string, number>;
  /** Set for the tasks of an actor (see TaskSpec.actor). */
  actor?: ActorTaskPart;
}

export type SchedulerToWorker =
  | { op: 'registered'; schedulerId: string; heartbeatMs: number }
  /** `retry`: the name belongs to a live worker, which may be this one's dead predecessor not yet noticed. */
  | { op: 'register-refused'; reason: string; retry: boolean }
  | { op: 'functions'; fns: FunctionSource[] }
  | { op: 'compute'; tasks: ComputeOrder[] }
  | { op: 'cancel-compute'; keys: TaskKey[] }
  | { op: 'free-keys'; keys: TaskKey[] }
  | { op: 'store-data'; id: number; keys: TaskKey[]; values: WireValue[] }
  | { op: 'get-data'; id: number; keys: TaskKey[] }
  | { op: 'run'; id: number; fn: string; args: WireValue; timeoutMs: number }
  | { op: 'setup'; id: number; name: string; fn: string; args: WireValue }
  | { op: 'remove-setup'; name: string }
  | { op: 'get-logs'; id: number; tail: number }
  /** Copy these results from a retiring worker's data service, then answer with `data-stored`. */
  | { op: 'fetch-data'; id: number; keys: TaskKey[]; from: string }
  | { op: 'upload-file'; id: number; name: string; data: OutOfBand }
  /** Drop every task and result and replace every task thread (client.restart), then answer `restarted`. */
  | { op: 'restart'; id: number }
  | { op: 'heartbeat-ack' }
  | { op: 'unknown-worker' }
  /** The worker at `address` left or died: fetches from it fail now rather than at their time-out. */
  | { op: 'peer-gone'; address: string; reason: string }
  /** Send the task threads' samples that match `query` (answer: `profile-data`). */
  | { op: 'get-profile'; id: number; query: ProfileQuery }
  | { op: 'close'; reason: string };

// ---------------------------------------------------------------- peer data service (client or worker → worker)
export type PeerRequest =
  | { op: 'get-data'; id: number; keys: TaskKey[] }
  /** A call on an actor living on this worker, straight from a client (src/actors/direct.ts). `actor.kind` is `call` or `get`. */
  | { op: 'actor-call'; id: number; key: TaskKey; fn: string; args: WireValue; actor: ActorTaskPart }
  /** Results of this peer's direct calls it let go of before the scheduler heard of them: free them. */
  | { op: 'free-direct'; keys: TaskKey[] };
export type PeerReply =
  | { op: 'data'; id: number; values: Record<TaskKey, WireValue>; missing: TaskKey[] }
  /**
   * The end of an `actor-call`: its report (with the value) or its error. `endpoint`: the actor's own
   * endpoint, where its thread serves direct calls itself (src/worker/actor-server.ts), once it has one.
   */
  | { op: 'actor-reply'; id: number; key: TaskKey; report?: TaskFinishedReport; error?: WireError; endpoint?: string }
  /** A request the worker would not serve (malformed, or over the bound of calls in flight); `id` 0 when it had none. */
  | { op: 'refused'; id: number; error: WireError };

/** Everything the scheduler's socket sends: to clients and to workers. */
export type SchedulerMessage = SchedulerToClient | SchedulerToWorker;

/** A table of handlers, one per `op` of a message union: a new message without a handler does not compile. */
export type HandlerTable<M extends { op: string }, R = void> = {
  [K in M['op']]: (message: Extract<M, { op: K }>) => R;
};
