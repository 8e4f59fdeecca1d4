/**
 * The scheduler's message intake: each batch a peer sends is validated in full against its role's
 * schemas and handed, message by message, to that peer's handler table (client-handlers.ts,
 * worker-handlers.ts). A peer not known yet may only say `hello` or `register`; a client's messages
 * wait behind its keys not yet taken in (slicing.ts). What the handlers queued is flushed after each batch.
 */
import { ProtocolError } from '../errors/index.js';
import type { ClientToScheduler, HandlerTable, SchedulerMessage, SchedulerToClient, WorkerToScheduler } from '../protocol/messages.js';
import { clientToSchedulerSchema, validateBatch, workerToSchedulerSchema, type MessageSchemas } from '../protocol/validate.js';
import type { Logger } from '../util/logger.js';
import { printable } from '../util/printable.js';
import { clientHandlers } from './client-handlers.js';
import type { SchedulerContext } from './context.js';
import { readFirstMessage } from './first-message.js';
import type { PeerNotices } from './peer-notices.js';
import type { Peers } from './peers.js';
import type { SliceRunner } from './slicing.js';
import type { SchedulerState } from './state/scheduler-state.js';
import type { ClientRecord, WorkerRecord } from './state/types.js';
import { workerHandlers } from './worker-handlers.js';

/** What the intake hands messages to. */
export interface IntakeParts {
  readonly state: SchedulerState;
  readonly log: Logger;
  readonly notices: PeerNotices;
  readonly slices: SliceRunner;
  readonly peers: Pick<Peers, 'registerWorker'>;
  /** What the handler tables reach of the scheduler. */
  readonly context: SchedulerContext;
  send(peer: string, message: SchedulerMessage): void;
  flush(): void;
  welcome(): Extract<SchedulerToClient, { op: 'welcome' }>;
}

export class Intake {
  /** Messages received so far, for the dashboard's message rate. */
  messagesIn = 0;
  // Handler tables are built once per peer: a table is a dozen closures, too many to make per message.
  readonly #workerTables = new WeakMap<WorkerRecord, HandlerTable<WorkerToScheduler>>();
  readonly #clientTables = new WeakMap<ClientRecord, HandlerTable<ClientToScheduler>>();

  constructor(private readonly parts: IntakeParts) {}

  /** Serves one batch from `peer` (one decoded message or an array of them), then flushes. */
  onBatch(peer: string, raw: unknown): void {
    const { state } = this.parts;
    const began = performance.now();
    if (Array.isArray(raw)) this.messagesIn += raw.length;
    const now = Date.now();
    const worker = state.workers.get(peer);
    const client = worker ? undefined : state.clients.get(peer);
    if (worker) {
      this.#serve<WorkerToScheduler>(peer, raw, workerToSchedulerSchema, 'worker', worker, this.#workerTable(worker), now);
    } else if (client) {
      this.#serve<ClientToScheduler>(peer, raw, clientToSchedulerSchema, 'client', client, this.#clientTable(client), now);
    } else {
      this.#fromUnknownPeer(peer, raw, now);
    }
    this.parts.flush();
    this.parts.slices.schedule();
    state.slices.batchTook(performance.now() - began);
  }

  /** Validates a known peer's batch in full, then hands each valid message to its handler. */
  #serve<M extends { op: string }>(
    peer: string, raw: unknown, schema: MessageSchemas<M>, role: 'worker' | 'client', record: { lastSeen: number }, table: HandlerTable<M>, now: number,
  ): void {
    const { slices } = this.parts;
    const { messages, errors } = validateBatch<M>(raw, schema, `${role} ${printable(peer)}`);
    // A client may be waiting for an answer to what it sent: it hears why the message was refused.
    this.parts.notices.refused(peer, errors, role === 'client');
    for (const message of messages) {
      record.lastSeen = now;
      if (role === 'client' && slices.mustHold(record as ClientRecord)) {
        slices.hold(record as ClientRecord, () => this.#handle(peer, table, message));
        continue;
      }
      this.#handle(peer, table, message);
    }
  }

  #handle<M extends { op: string }>(peer: string, table: HandlerTable<M>, message: M): void {
    try {
      (table[message.op as M['op']] as (m: M) => void)(message);
    } catch (error) {
      this.parts.log.error(`failed handling ${message.op} from ${printable(peer)}: ${(error as Error).stack}`);
    }
  }

  #workerTable(worker: WorkerRecord): HandlerTable<WorkerToScheduler> {
    let table = this.#workerTables.get(worker);
    if (!table) this.#workerTables.set(worker, (table = workerHandlers(this.parts.context, worker)));
    return table;
  }

  #clientTable(client: ClientRecord): HandlerTable<ClientToScheduler> {
    let table = this.#clientTables.get(client);
    if (!table) this.#clientTables.set(client, (table = clientHandlers(this.parts.context, client)));
    return table;
  }

  /**
   * A peer we do not know may only say `hello` (a client) or `register` (a worker). A worker we removed
   * that still talks is told `unknown-worker` once, so it registers again once; a client we timed out is
   * told `unknown-client` once, so it says hello again and resubmits; the rest is dropped.
   */
  #fromUnknownPeer(peer: string, raw: unknown, now: number): void {
    const { notices } = this.parts;
    const reading = readFirstMessage(peer, raw);
    if (!reading.found) {
      if (reading.role) notices.tellUnknown(peer, reading.role, now);
      else notices.warnings.warn('never said hello', new ProtocolError(`dropped a message from ${printable(peer)}, which never said hello`).message);
      return;
    }
    notices.refused(peer, reading.errors, false);
    const message = reading.message;
    if (!message) {
      // A would-be worker hears why (at most once a second, as a client hears of its errors) instead of waiting.
      if (reading.register && reading.errors[0] && notices.mayAnswer(peer, now)) {
        this.parts.send(peer, { op: 'register-refused', reason: reading.errors[0].message, retry: false });
      }
      return;
    }
    if (message.op === 'hello') {
      // A client back after a time-out may be told unknown-client again at once should it time out again.
      notices.forget(peer);
      this.parts.state.addClient(peer, message.clientId, now);
      this.parts.send(peer, this.parts.welcome());
    } else {
      notices.forget(peer);
      this.parts.peers.registerWorker(peer, message.worker, now);
    }
    // What came after the first message in the same batch is served now that the peer is known.
    if (reading.rest.length > 0) this.onBatch(peer, reading.rest);
  }
}
