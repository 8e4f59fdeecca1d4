/**
 * What the profiler and the task stream report, shared by the scheduler, the workers and the client:
 * profile queries and samples, task runs and transfers (see messages.ts for the messages carrying them).
 */
import type { TaskKey } from './task-key.js';

/** Which samples `client.profile` asks the workers for. Times in milliseconds since the epoch. */
export interface ProfileQuery {
  /** Samples taken at or after this time (absent: from the oldest kept). */
  start?: number;
  /** Samples taken at or before this time (absent: until now). */
  stop?: number;
  /** Only samples taken while one of these tasks ran on the sampled thread. */
  keys?: TaskKey[];
  /** Only samples taken while a task of this group (its function's name) ran. */
  group?: string;
  /** Also send every sample's time and stack (for a `.cpuprofile` file). */
  timeline: boolean;
}

/**
 * One worker's samples as they travel, in column form: the call stacks seen form a tree of nodes, each
 * naming a frame (function, script, line); `self` counts the samples whose innermost frame was that node.
 */
export interface ProfileData {
  /** The sampling interval, in milliseconds. */
  intervalMs: number;
  /** The time span the samples were taken in (ms since the epoch); both 0 when there are none. */
  start: number;
  stop: number;
  frames: { name: string[]; url: string[]; line: number[]; column: number[] };
  /** `parent` is the index of the parent node, -1 for a child of the root. */
  nodes: { parent: number[]; frame: number[]; self: number[] };
  /** With `timeline`: each sample's time (ms since the epoch) and node, in time order. */
  samples?: { time: number[]; node: number[] };
}

/** One task run (see `client.getTaskStream`). Times in milliseconds since the epoch. */
export interface TaskRunRecord {
  /** The task key. */
  key: string;
  /** The key's task group (`unknown` when the scheduler no longer knows the key). */
  group: string;
  /** The id of the worker that ran it (as in `WorkerSummary.id`). */
  worker: string;
  /** The task thread it ran on. */
  thread: number;
  /** When it started, in milliseconds since the epoch. */
  start: number;
  /** When it ended, in milliseconds since the epoch. */
  stop: number;
  /** `memory`: it returned a result; `erred`: it threw. */
  status: 'memory' | 'erred';
  /** The result's size in bytes (0 when it erred). */
  nbytes: number;
  /** Milliseconds spent fetching inputs from other workers first. */
  transfer: number;
  /**
   * `transfer` for a move of results (Dask's `transfer-…` entries): `key` is `transfer-<first key>`,
   * `group` is `transfer`, `worker` the worker whose row it is drawn on (the destination, or the
   * source for a move to a client), `thread` -1, `nbytes` the bytes moved. Absent for a task run.
   */
  kind?: 'transfer';
  /** For a transfer: the id of the worker the results came from. */
  source?: string;
  /** For a transfer: the id of the worker that received them, or `client <clientId>`. */
  destination?: string;
  /** For a transfer: the keys of the results moved. */
  keys?: TaskKey[];
}

/** One move of results from a worker, as the receiving end tells the scheduler. Times in ms since the epoch. */
export interface TransferReport {
  keys: TaskKey[];
  /** The data-service address of the worker the results came from. */
  source: string;
  start: number;
  stop: number;
  nbytes: number;
}
