/** What the Client needs from a connection: a remote scheduler, or the in-caller `sync` mode. */
import type { ClientToScheduler, SchedulerToClient, WorkerSummary } from '../protocol/messages.js';
import type { ShippedFunction } from '../serialize/function-source.js';
import type { EncodedValue } from '../serialize/value-codec.js';
import type { SubmitOptions } from './options.js';

export interface PreparedTask {
  key: string;
  fn: ShippedFunction;
  /** The function object itself (used by the sync mode, which does not ship anything). */
  callable: (...args: unknown[]) => unknown;
  args: unknown[];
  encoded: EncodedValue;
  options: SubmitOptions;
  /** Set for an actor's tasks (src/actors/): a call depends on its actor besides its arguments' futures. */
  actor?: import('../protocol/messages.js').ActorTaskPart;
}

/** Callbacks from a session to the client, one per kind of news about a key. */
/** What a direct actor call tells its route (src/actors/direct.ts) when it ends. */
export interface RouteEvents {
  /** The call ended in ActorLostError (or never reached the actor): the route is stale. */
  lost(): void;
  /** The answer named the actor's own endpoint (src/worker/actor-server.ts). */
  found(endpoint: string): void;
}

export interface SessionListener {
  finished(key: string, nbytes: number, fields: { wire?: import('../protocol/messages.js').WireValue; value?: unknown; hasValue?: boolean }): void;
  erred(key: string, error: Error): void;
  cancelled(key: string, reason: string): void;
  lost(key: string, reason: string): void;
  /** An erred key runs again (`retry`): its future is pending again. */
  retried(key: string): void;
  workersChanged(count: number): void;
}

export interface RunOutcome {
  results: Map<string, unknown>;
  errors: Map<string, Error>;
}

/** A reply the scheduler sends to one request (it carries the request's id). */
export type SchedulerReply = Extract<SchedulerToClient, { id: number }>;

/** Raw requests to the scheduler, for operations on the whole cluster (restart, retireWorkers, replicate …). */
export interface ControlChannel {
  /** Sends the message `make(id)` builds and resolves with the scheduler's reply to that id. */
  request<R extends SchedulerReply>(make: (id: number) => ClientToScheduler): Promise<R>;
  /** Sends a message that has no reply, in order with submissions and releases. */
  send(message: ClientToScheduler): void;
}

export interface Session {
  readonly address: string;
  /** The id this client said hello with, as the scheduler knows it (absent in sync mode: no scheduler). */
  readonly clientId?: string;
  /** Absent in sync mode, which has no cluster to act on. */
  readonly control?: ControlChannel;
  /** The scheduler's status page, when it told one. */
  readonly dashboardLink: string | undefined;
  workerCount(): number;
  submit(tasks: PreparedTask[]): void;
  /**
   * Sends an actor call straight to the worker at `address`, to the actor's own `endpoint` there when
   * known (src/actors/direct.ts; remote sessions only); false when it cannot go that way now. `events`
   * hears when the route proved stale, and of the actor's endpoint when an answer names it.
   */
  callActor?(task: PreparedTask, address: string, events: RouteEvents, endpoint: string | undefined): boolean;
  release(keys: string[]): void;
  /** Runs erred keys again (with the erred inputs they failed through). */
  retry(keys: string[]): void;
  /** Drops this client's claim on the keys; cancels those no other client holds (all with `force`). */
  cancel(keys: string[], force: boolean): void;
  /** Values of finished keys whose value did not come with the completion report. */
  fetch(keys: string[]): Promise<Map<string, unknown>>;
  run(fn: ShippedFunction, callable: (...args: unknown[]) => unknown, args: unknown[], encoded: EncodedValue, options: { workers?: string[]; timeoutMs: number }): Promise<RunOutcome>;
  /** Runs a setup on every worker now and on every worker that joins later; replaces one of the same name. */
  registerSetup(name: string, fn: ShippedFunction, encoded: EncodedValue, timeoutMs: number, callable: (...args: unknown[]) => unknown, args: unknown[]): Promise<RunOutcome>;
  unregisterSetup(name: string): Promise<RunOutcome>;
  /** The last `tail` log lines of each worker. */
  workerLogs(tail: number, workers?: string[]): Promise<Record<string, string[]>>;
  scatter(keys: string[], values: unknown[], encoded: EncodedValue[], options: { broadcast: boolean; workers?: string[] }): Promise<number[]>;
  upload(name: string, data: Uint8Array): Promise<{ workers: string[]; errors: Map<string, Error> }>;
  info(): Promise<{ workers: WorkerSummary[]; tasks: Record<string, number> }>;
  whoHas(keys: string[]): Promise<Record<string, string[]>>;
  /** Task runs that stopped at or after `since` (ms since the epoch); starts recording on the scheduler. */
  taskStream(since: number): Promise<import('../protocol/messages.js').TaskRunRecord[]>;
  close(): Promise<void>;
}
