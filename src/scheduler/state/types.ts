/** The scheduler's records of tasks, workers and clients. Only the transition handlers change `state`. */
import { emptyList } from '../../util/empty.js';
import { ShardedSet } from '../../util/sharded.js';
import type { SchedulerToClient, SchedulerToWorker, TaskSpec, WireError, WireValue, WorkerRegistration } from '../../protocol/messages.js';

/**
 * The states of a task on the scheduler, Dask's names: the transitions between them are the table in
 * `transitions.ts`.
 */
export type TaskStateName =
  | 'released'
  | 'waiting'
  | 'queued'
  | 'processing'
  | 'memory'
  | 'erred'
  | 'cancelled'
  | 'lost'
  | 'forgotten';

/** States of a task that will still produce a result: a dependent here keeps its inputs needed. */
export const PENDING_STATES: ReadonlySet<TaskStateName> = new Set(['waiting', 'queued', 'processing']);

export interface TaskRecord {
  readonly key: string;
  state: TaskStateName;
  /** How to compute it; absent for scattered data, which cannot be recomputed. */
  spec: TaskSpec | undefined;
  /** The tasks it takes as inputs (NO_TASKS until it has one; add through `link`). */
  deps: Set<TaskRecord>;
  /** The tasks that take it as input (NO_TASKS until it has one; add through `link`). */
  dependents: Set<TaskRecord>;
  /** Dependencies not in memory yet (NO_TASKS until it has one; add through `link`). */
  waitingOn: Set<TaskRecord>;
  /**
   * Dependents in a pending state (waiting, queued, processing), kept by the engine's `transition`: whether
   * a result is still needed is then a look at a number, not a scan of a million dependents.
   */
  pendingDependents: number;
  processingOn: WorkerRecord | undefined;
  /** Workers holding its result (NO_WORKERS until one does; add through `addHolder`). */
  holders: Set<WorkerRecord>;
  readonly wantedBy: Set<ClientRecord>;
  nbytes: number;
  retriesLeft: number;
  /** Workers that died while running this task. */
  killedOn: readonly string[];
  error: WireError | undefined;
  priority: number;
  /** Submission order: first in, first out among equal priorities. */
  seq: number;
  group: string;
  /** A small result kept until the clients that want it have been told (then dropped). */
  pendingValue: WireValue | undefined;
  /** Why the task was cancelled or lost, for the client's error. */
  reason: string | undefined;
}

export interface WorkerRecord {
  /** The routing id of the worker's link (unique per connection). */
  readonly peer: string;
  readonly id: string;
  readonly info: WorkerRegistration;
  readonly processing: Set<TaskRecord>;
  readonly hasWhat: Set<TaskRecord>;
  /** Keys the worker said it is executing now (heartbeats and `started`). */
  executing: Set<string>;
  /** At most the lowest priority among `processing` (exact after a scan in `taskToDisplace`). */
  lowestPriority: number;
  /** Keys running here that gave up their thread (a task waiting on tasks it submitted): not counted as load. */
  readonly longRunning: Set<string>;
  readonly knownFunctions: Set<string>;
  /** Resources held by the actors living here (actor-router.ts), while they live: not free for tasks. */
  actorResources?: Map<string, number>;
  memory: number;
  lastSeen: number;
  status: 'running' | 'closing' | 'removed';
}

export interface ClientRecord {
  readonly peer: string;
  readonly id: string;
  readonly wants: Set<TaskRecord>;
  lastSeen: number;
}

export type Outgoing =
  | { to: 'client'; peer: string; message: SchedulerToClient }
  | { to: 'worker'; peer: string; message: SchedulerToWorker };

/**
 * The empty set every task starts with for its inputs, dependents and waits: most tasks of a map have
 * none, and three sets per task were a large share of the scheduler's allocation (and so of its garbage
 * collection). Never add to it: `link` swaps in a task's own set first. The scheduler's `validate` check
 * fails if it ever holds anything.
 */
export const NO_TASKS: ReadonlySet<TaskRecord> = new Set<TaskRecord>();

/** The empty holder set of every task without a result: a set per pending task was a tenth of its memory. Never add to it. */
export const NO_WORKERS: ReadonlySet<WorkerRecord> = new Set<WorkerRecord>();

/** `worker` holds `task`'s result: gives the task its own holder set on the first. */
export function addHolder(task: TaskRecord, worker: WorkerRecord): void {
  if (task.holders === NO_WORKERS) task.holders = new Set();
  task.holders.add(worker);
}

/** A set of tasks that may grow to a million (a client's wants, a worker's results): cut into shards (see util/sharded.ts). */
export function bigTaskSet(items?: Iterable<TaskRecord>): Set<TaskRecord> {
  return new ShardedSet<TaskRecord>(bySeq, items);
}

function bySeq(task: TaskRecord): number {
  return task.seq;
}

/** Past this many, a task's own set is moved into shards: growing a native set rehashes it whole at once. */
const SHARD_FROM = 16_384;

/** Adds `other` to one of `task`'s task sets, giving the task its own set on the first add. */
export function link(task: TaskRecord, field: 'deps' | 'dependents' | 'waitingOn', other: TaskRecord): void {
  let set = task[field];
  if (set === NO_TASKS) task[field] = set = new Set();
  else if (set.size === SHARD_FROM && !(set instanceof ShardedSet)) task[field] = set = bigTaskSet(set);
  set.add(other);
}

export function newTask(key: string, spec: TaskSpec | undefined, seq: number): TaskRecord {
  return {
    key,
    state: 'released',
    spec,
    deps: NO_TASKS as Set<TaskRecord>,
    dependents: NO_TASKS as Set<TaskRecord>,
    waitingOn: NO_TASKS as Set<TaskRecord>,
    pendingDependents: 0,
    processingOn: undefined,
    holders: NO_WORKERS as Set<WorkerRecord>,
    wantedBy: new Set(),
    nbytes: 0,
    retriesLeft: spec?.retries ?? 0,
    killedOn: emptyList<string>(),
    error: undefined,
    priority: spec?.priority ?? 0,
    seq,
    group: spec?.group ?? 'data',
    pendingValue: undefined,
    reason: undefined,
  };
}
