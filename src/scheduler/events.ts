/**
 * The events a scheduler emits, apart from the server so the modules that emit or record them (the
 * handlers, the task stream) need not import the server.
 */
import type { EventEmitter } from 'node:events';
import type { TaskRunRecord, WorkerSummary } from '../protocol/messages.js';
import type { TaskStateName } from './state/types.js';

/** One task run as seen by the scheduler: what the dashboard's task stream draws. */
export type TaskRun = TaskRunRecord;

/** One move of a task through the life cycle table (see state/transitions.ts), as the `transition` event gives it. */
export interface TransitionEvent {
  readonly key: string;
  readonly from: TaskStateName;
  readonly to: TaskStateName;
  /** What caused it: the stimulus being run, e.g. `finished-local-0` or `submit-<client>`. */
  readonly stimulus: string;
  /** The worker (its id) the task goes to, for a move to `processing`. */
  readonly worker?: string;
  /** Transitions this scheduler has run so far, this one included. */
  readonly count: number;
}

/** The events of a {@link SchedulerServer} (`scheduler.on(name, listener)`), with their listener arguments. */
export interface SchedulerEvents {
  /** A worker registered: its summary. */
  'worker-added': [WorkerSummary];
  /** A worker left or was removed (closed, timed out, its process exited): its last summary and the reason. */
  'worker-removed': [WorkerSummary, string];
  /** A client left (said goodbye) or was timed out by `clientTtlMs`: its id and the reason. */
  'client-removed': [string, string];
  /** A worker was retired on purpose (its name): it is about to close, and must not be replaced. */
  'worker-retired': [string];
  /** Emitted only while someone listens (the dashboard, a performance report): free otherwise. */
  'task-run': [TaskRun];
  /**
   * A task moved from one state to another (tests wait on these instead of sleeping). Emitted
   * synchronously inside the transition, before its handler runs, and only while someone listens:
   * without a listener the engine pays one field check per transition.
   */
  transition: [TransitionEvent];
}

/** What emits the scheduler's events, as the modules that emit them see it. */
export type SchedulerEmitter = Pick<EventEmitter<SchedulerEvents>, 'emit' | 'listenerCount'>;

/** What the task stream records from: where it subscribes to task runs. */
export type SchedulerSubscriptions = Pick<EventEmitter<SchedulerEvents>, 'on' | 'off'>;
