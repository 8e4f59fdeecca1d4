/**
 * Who is connected to the scheduler: workers register (or are refused, with the reason) and are
 * removed, clients leave, and clients are told how many workers take tasks. Apart from the server
 * because joining and leaving touch every part that keeps per-peer bookkeeping (requests, profiles,
 * cluster control, coordination, held-back messages), while the server only owns the socket.
 */
import { ProtocolError } from '../errors/index.js';
import type { SchedulerMessage, WorkerRegistration } from '../protocol/messages.js';
import type { Logger } from '../util/logger.js';
import { printable } from '../util/printable.js';
import type { ClusterControlPort, CoordinationPort } from './context.js';
import type { SchedulerEmitter } from './events.js';
import type { PeerNotices } from './peer-notices.js';
import type { PeerSender } from './peer-sender.js';
import type { ProfileRequests } from './profile-requests.js';
import { registrationProblem } from './registration.js';
import type { SliceRunner } from './slicing.js';
import type { SchedulerState } from './state/scheduler-state.js';
import type { ClientRecord } from './state/types.js';
import type { WorkerRequests } from './worker-requests.js';
import { summarize } from './worker-summary.js';

/** The parts of the scheduler that hear of peers joining and leaving. */
export interface PeerParts {
  readonly schedulerId: string;
  readonly heartbeatMs: number;
  readonly state: SchedulerState;
  readonly log: Logger;
  readonly events: Pick<SchedulerEmitter, 'emit'>;
  readonly notices: PeerNotices;
  readonly sender: PeerSender;
  readonly requests: WorkerRequests;
  readonly profiles: ProfileRequests;
  readonly control: ClusterControlPort;
  readonly coordination: CoordinationPort;
  readonly slices: SliceRunner;
  send(peer: string, message: SchedulerMessage): void;
  flush(): void;
}

export class Peers {
  /** Names under which a second registration was refused and said so (one warning per live worker). */
  readonly #refusedNames = new Set<string>();
  /** The worker count clients were last told (a new client hears it in `welcome`). */
  #announcedWorkers = 0;

  constructor(private readonly parts: PeerParts) {}

  /** Registers a worker, or tells it why not (`retry` when it may get in once a live namesake leaves). */
  registerWorker(peer: string, info: WorkerRegistration, now: number): void {
    const { state, log } = this.parts;
    const problem = registrationProblem(info);
    if (problem) {
      log.warn(new ProtocolError(`refused a register from ${printable(peer)}: ${problem}`).message);
      this.parts.send(peer, { op: 'register-refused', reason: problem, retry: false });
      return;
    }
    const previous = state.workerByName(info.name);
    if (previous && previous.peer !== peer) {
      // Never evict a live worker for a newcomer: the newcomer retries for a while, and gets in once the
      // old one is removed (it left, died and was noticed, or timed out).
      const reason = `a live worker is registered under the name ${JSON.stringify(info.name)} (${previous.id}, pid ${previous.info.pid} on ${previous.info.host})`;
      if (!this.#refusedNames.has(info.name)) log.warn(`refused a second worker named ${JSON.stringify(info.name)} from ${printable(peer)}: ${reason}`);
      this.#refusedNames.add(info.name);
      this.parts.send(peer, { op: 'register-refused', reason, retry: true });
      return;
    }
    this.#refusedNames.delete(info.name);
    if (previous) {
      // The same worker asking twice (a retry crossed our answer): it is registered; say so again.
      this.#sayRegistered(peer);
      return;
    }
    if (state.workers.has(peer)) this.removeWorker(peer, `registered again on the same connection as ${JSON.stringify(info.name)}`);
    const worker = state.addWorker(peer, { ...info, resources: info.resources ?? {} }, now);
    this.#sayRegistered(peer);
    this.parts.requests.workerJoined(worker);
    log.info(`worker ${worker.id} joined from ${info.address} with ${info.nthreads} threads`);
    state.fill();
    this.parts.events.emit('worker-added', summarize(worker));
  }

  /** Removes a worker (it left, died, timed out or was retired): what it ran and held is seen to. */
  removeWorker(peer: string, reason: string, graceful = false): void {
    const worker = this.parts.state.removeWorker(peer, reason, graceful);
    if (!worker) return;
    this.parts.sender.forget(peer);
    this.parts.log.info(`worker ${worker.id} removed: ${reason}`);
    this.parts.requests.workerLeft(peer);
    this.parts.profiles.workerLeft(peer);
    this.parts.control.workerLeft(peer);
    this.parts.flush();
    this.parts.events.emit('worker-removed', summarize(worker), reason);
  }

  /** A client said goodbye or went silent (`reason`): its futures, coordination state and held-back messages go. */
  removeClient(client: ClientRecord, reason: string): void {
    this.parts.coordination.clientLeft(client);
    this.parts.slices.forget(client);
    this.parts.state.removeClient(client.peer);
    this.parts.events.emit('client-removed', client.id, reason);
  }

  /** A peer's connection closed: a worker is removed at once (its process died, or it left). */
  disconnected(peer: string): void {
    this.parts.notices.forget(peer);
    if (this.parts.state.workers.has(peer)) this.removeWorker(peer, 'its connection closed (the worker process exited or its network went away)');
  }

  /** Workers that take tasks now (running, not being retired). */
  workersTakingTasks(): number {
    let count = 0;
    for (const worker of this.parts.state.workers.values()) if (worker.status === 'running') count++;
    return count;
  }

  /**
   * Tells clients the count of workers that take tasks when it changed since they were last told: once
   * per flush, and without the workers being retired, so that a worker retired as it registers (its job
   * was retired) is never counted by `client.waitForWorkers`.
   */
  announceWorkerCount(): void {
    const count = this.workersTakingTasks();
    if (count === this.#announcedWorkers) return;
    this.#announcedWorkers = count;
    for (const client of this.parts.state.clients.values()) this.parts.send(client.peer, { op: 'workers-changed', count });
  }

  #sayRegistered(peer: string): void {
    this.parts.send(peer, { op: 'registered', schedulerId: this.parts.schedulerId, heartbeatMs: this.parts.heartbeatMs });
  }
}
