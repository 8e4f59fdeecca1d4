/**
 * What the scheduler's message handlers and procedures (client-handlers, worker-handlers, retirement,
 * cluster-control, coordination) reach of the scheduler: its state, a typed send and the flush of what
 * the state queued, worker registration and removal, the log, and the parts that keep their own
 * bookkeeping (worker requests with the setups and uploads, cluster control, coordination, the task stream). The server creates it privately; no handler imports the server.
 */
import type { ClientToScheduler, CoordinationRequest, SchedulerToClient, WorkerRegistration, WorkerSummary } from '../protocol/messages.js';
import type { Logger } from '../util/logger.js';
import type { SchedulerEmitter } from './events.js';
import type { Holders } from './holders.js';
import type { SchedulerState } from './state/scheduler-state.js';
import type { ClientRecord } from './state/types.js';
import type { ProfileRequests } from './profile-requests.js';
import type { TaskStreamRecorder } from './task-stream.js';
import type { RequestIo, WorkerRequests } from './worker-requests.js';

/** One client message, by its op. */
export type ClientMessage<Op extends ClientToScheduler['op']> = Extract<ClientToScheduler, { op: Op }>;

/** Restart, retire, replicate and rebalance for clients (see cluster-control.ts), as the handlers use them. */
export interface ClusterControlPort {
  restart(context: SchedulerContext, client: ClientRecord, m: ClientMessage<'restart'>): void;
  retire(context: SchedulerContext, client: ClientRecord, m: ClientMessage<'retire-workers'>): Promise<void>;
  replicate(context: SchedulerContext, client: ClientRecord, m: ClientMessage<'replicate'>): Promise<void>;
  rebalance(context: SchedulerContext, client: ClientRecord, m: ClientMessage<'rebalance'>): Promise<void>;
  /** A worker answered a restart. */
  restarted(id: number, peer: string): void;
  /** A worker left: no restart waits for it. */
  workerLeft(peer: string): void;
}

/** Named Locks, Events, Queues, Variables and datasets (see coordination.ts), as the handlers use them. */
export interface CoordinationPort {
  handle(client: ClientRecord, id: number, request: CoordinationRequest): void;
  clientLeft(client: ClientRecord): void;
}

/** What coordination needs of the scheduler: the state, the holders, send and flush. */
export type CoordinationIo = Pick<SchedulerContext, 'state' | 'holders' | 'send' | 'flush'>;

/** The scheduler as its handlers see it. */
export interface SchedulerContext extends RequestIo {
  readonly state: SchedulerState;
  readonly log: Logger;
  readonly holders: Holders;
  readonly requests: WorkerRequests;
  readonly control: ClusterControlPort;
  readonly coordination: CoordinationPort;
  readonly taskStream: TaskStreamRecorder;
  /** `client.profile`: samples asked of workers. */
  readonly profiles: ProfileRequests;
  /** The scheduler's events (task runs, retired workers). */
  readonly events: SchedulerEmitter;
  /** What a client is told when it says hello. */
  welcome(): Extract<SchedulerToClient, { op: 'welcome' }>;
  workerSummaries(): WorkerSummary[];
  registerWorker(peer: string, info: WorkerRegistration, now: number): void;
  removeWorker(peer: string, reason: string, graceful?: boolean): void;
  /** A client said goodbye or went silent: its futures, coordination state and held-back messages go. */
  removeClient(client: ClientRecord, reason: string): void;
}
