/**
 * A read-only view of the scheduler's books, as Dask's `scheduler.tasks`, `scheduler.workers` and
 * `scheduler.clients` are read by dashboards, autoscalers and tests. The maps are live (they change as
 * the scheduler works) but typed read-only: only the scheduler's transitions change what they hold.
 */
import type { WireError, WorkerRegistration } from '../protocol/messages.js';
import type { StoryEntry } from './state/diagnostics.js';
import type { SchedulerState } from './state/scheduler-state.js';
import type { SliceSummary } from './state/slice-stats.js';
import type { TaskStateName } from './state/types.js';

export type { SliceSummary, StoryEntry, TaskStateName };

/** One task as the scheduler keeps it (Dask's `TaskState`), read-only. */
export interface TaskView {
  /** The task's key. */
  readonly key: string;
  /** Where it is in its life cycle (see `src/scheduler/state/transitions.ts`). */
  readonly state: TaskStateName;
  /** The task group (the function's name for `submit` and `map`; `data` for scattered values). */
  readonly group: string;
  /** Higher runs first. */
  readonly priority: number;
  /** Size of the result in bytes, once known. */
  readonly nbytes: number;
  /** Retries left before a failure is final. */
  readonly retriesLeft: number;
  /** The tasks it takes as inputs. */
  readonly deps: ReadonlySet<TaskView>;
  /** The tasks that take it as input. */
  readonly dependents: ReadonlySet<TaskView>;
  /** The worker it is assigned to while `processing`. */
  readonly processingOn: WorkerView | undefined;
  /** The workers holding its result. */
  readonly holders: ReadonlySet<WorkerView>;
  /** The clients that hold a future of it. */
  readonly wantedBy: ReadonlySet<ConnectedClientView>;
  /** Names of workers that died while running it. */
  readonly killedOn: readonly string[];
  /** Its error, once `erred`. */
  readonly error: WireError | undefined;
  /** Why it was cancelled or lost. */
  readonly reason: string | undefined;
}

/** One registered worker (Dask's `WorkerState`), read-only. */
export interface WorkerView {
  /** The routing id of the worker's connection (the key in {@link SchedulerView.workers}). */
  readonly peer: string;
  /** The worker's id. */
  readonly id: string;
  /** What the worker said when it registered: name, host, address, threads, memory limit, pid … */
  readonly info: Readonly<WorkerRegistration>;
  /** Tasks assigned to it (running or queued there). */
  readonly processing: ReadonlySet<TaskView>;
  /** Tasks whose result it holds. */
  readonly hasWhat: ReadonlySet<TaskView>;
  /** Keys it said it is running now. */
  readonly executing: ReadonlySet<string>;
  /** Bytes of results it holds, as it last said. */
  readonly memory: number;
  /** When it was last heard from (ms since the epoch). */
  readonly lastSeen: number;
  /** `running`, `closing` (being retired) or `removed`. */
  readonly status: 'running' | 'closing' | 'removed';
}

/** One connected client, read-only. */
export interface ConnectedClientView {
  /** The routing id of the client's connection (the key in {@link SchedulerView.clients}). */
  readonly peer: string;
  /** The client's id (`client.clientId`). */
  readonly id: string;
  /** Tasks it holds futures of. */
  readonly wants: ReadonlySet<TaskView>;
  /** When it was last heard from (ms since the epoch). */
  readonly lastSeen: number;
}

/** Tasks per state of one task group, and how many of the group finished or erred since the start. */
export interface GroupProgress {
  /** Tasks of the group per state, now. */
  states: Record<string, number>;
  /** Tasks of the group that finished since the start (forgotten ones too). */
  finished: number;
  /** Tasks of the group that erred since the start (forgotten ones too). */
  erred: number;
}

/**
 * What `scheduler.view` shows: the tasks, workers and clients, counts, a task's story, and a check of
 * the scheduler's invariants. Nothing here changes the scheduler.
 * @example
 * ```ts
 * const { view } = cluster.scheduler;
 * console.log(view.tasks.get(future.key)?.state);  // 'memory'
 * console.log(view.countsByState());                // { memory: 1 }
 * ```
 */
export interface SchedulerView {
  /** Every task the scheduler knows, by key. */
  readonly tasks: ReadonlyMap<string, TaskView>;
  /** Registered workers, by the routing id of their connection. */
  readonly workers: ReadonlyMap<string, WorkerView>;
  /** Connected clients, by the routing id of their connection. */
  readonly clients: ReadonlyMap<string, ConnectedClientView>;
  /** Mean run time per task group, in microseconds (undefined for a group that never ran). */
  readonly durations: { mean(group: string): number | undefined };
  /** Messages received so far (each message of a batch counts). */
  readonly messagesIn: number;
  /** Messages sent so far. */
  readonly messagesOut: number;
  /**
   * True while big stimuli (a submit, cancel or release of many keys, a root freeing many dependents) still
   * have work left for later turns of the event loop: the scheduler takes them in slices.
   */
  readonly hasPendingWork: boolean;
  /** What the slicing did since the start: largest slices, how often work was left for a later turn. */
  slices(): SliceSummary;
  /** The registered worker of that name. */
  workerByName(name: string): WorkerView | undefined;
  /** How many tasks are in each state now (states with none are left out). */
  countsByState(): Record<string, number>;
  /** Progress per task group. */
  progressByGroup(): Record<string, GroupProgress>;
  /** The recent transitions of `key`, oldest first (Dask's `scheduler.story(key)`). */
  story(key: string): StoryEntry[];
  /**
   * Checks every invariant of the books (every `processing` task on a live worker, every `memory` task
   * with a holder, …), as Dask's `validate_state`.
   * @throws Error naming the first invariant that does not hold.
   */
  validate(): void;
}

/** The view of `state`, with the message counts `messagesIn()` and `messagesOut()` give. */
export function schedulerView(state: SchedulerState, messagesIn: () => number, messagesOut: () => number): SchedulerView {
  return {
    tasks: state.tasks,
    workers: state.workers,
    clients: state.clients,
    durations: { mean: (group) => state.stats.mean(group) },
    get messagesIn() {
      return messagesIn();
    },
    get messagesOut() {
      return messagesOut();
    },
    get hasPendingWork() {
      return state.hasPendingWork;
    },
    slices: () => state.slices.summary(),
    workerByName: (name) => state.workerByName(name),
    countsByState: () => state.countsByState(),
    progressByGroup: () => state.progressByGroup(),
    story: (key) => state.story(key),
    validate: () => state.validate(),
  };
}
