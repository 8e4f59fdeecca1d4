/**
 * The events a scheduler emits, apart from the server so the modules that emit or record them (the
 * handlers, the task stream) need not import the server.
 */
import type { EventEmitter } from 'node:events';
import type { TaskRunRecord, WorkerSummary } from '../protocol/messages.js';

/** One task run as seen by the scheduler: what the dashboard's task stream draws. */
export type TaskRun = TaskRunRecord;

/** The events of a {@link SchedulerServer} (`scheduler.on(name, listener)`), with their listener arguments. */
export interface SchedulerEvents {
  /** A worker registered: its summary. */
  'worker-added': [WorkerSummary];
  /** A worker left or was removed (closed, timed out, its process exited): its last summary and the reason. */
  'worker-removed': [WorkerSummary, string];
  /** A worker was retired on purpose (its name): it is about to close, and must not be replaced. */
  'worker-retired': [string];
  /** Emitted only while someone listens (the dashboard, a performance report): free otherwise. */
  'task-run': [TaskRun];
}

/** What emits the scheduler's events, as the modules that emit them see it. */
export type SchedulerEmitter = Pick<EventEmitter<SchedulerEvents>, 'emit' | 'listenerCount'>;

/** What the task stream records from: where it subscribes to task runs. */
export type SchedulerSubscriptions = Pick<EventEmitter<SchedulerEvents>, 'on' | 'off'>;
