/**
 * An actor's own endpoint, served by the actor's thread: clients that know it send the actor's direct
 * calls here instead of to the worker's data service, and the thread answers them itself, so a call
 * crosses no main-thread hop on the worker (one network round trip, as a raw ZeroMQ echo). The client
 * learns the endpoint from the answer to a direct call sent the usual way (src/worker/direct-calls.ts).
 *
 * The endpoint is opened on the thread's first direct call, next to the worker's data service (the
 * same host, or the same private directory for `ipc://`), with the same CURVE keys and ZAP check as
 * that service, in a ZeroMQ context of the thread's own (one ZAP handler per context). Each request is
 * checked in full; a bad one is refused; a peer may have at most MAX_DIRECT_CALLS_PER_PEER calls in
 * flight here. Results also go to the worker's main thread (actor-channel.ts), which keeps them like any
 * task's result.
 *
 * ZeroMQ aborts the whole process when a thread ends with sockets open: the thread closes this endpoint
 * when asked to (`close-sockets`, before its worker ends it) and when it exits on its own (process.exit
 * or an uncaught error in the actor), and then answers the calls still in flight with ActorLostError.
 */
import { BroadcastChannel } from 'node:worker_threads';
import * as zmq from 'zeromq';
import type { ActorTaskPart, PeerReply, PeerRequest, TaskFinishedReport, WireError } from '../protocol/messages.js';
import { checkMessage, peerRequestSchema, schemaTable } from '../protocol/validate.js';
import { RouterEndpoint } from '../transport/endpoints.js';
import { peerCredentials, type CurveCredentials } from '../transport/security.js';
import { shortId } from '../util/ids.js';
import { printable } from '../util/printable.js';
import { actorChannelName, type ActorNotice, type StoredResult } from './actor-channel.js';
import { MAX_DIRECT_CALLS, MAX_DIRECT_CALLS_PER_PEER } from './direct-calls.js';
import { fromWire, toWire } from './stored-data.js';
import type { ThreadOutcome, ThreadTask } from './thread-protocol.js';

const PEER_REQUESTS = schemaTable(peerRequestSchema);
/** Results handed to the worker at most this long after they were served, in milliseconds (see `#flushResults`). */
const RESULTS_DELAY_MS = 2;
/** Results (or frees) handed over at once when this many wait. */
const RESULTS_BATCH = 512;
/** How long the last answers of an ending thread may take to leave once its endpoint is closed. */
const LAST_WORDS_LINGER_MS = 500;

/** A call served here: who asked, under which id. */
interface Served {
  readonly peer: string;
  readonly id: number;
  /** It started running on the thread. */
  started?: boolean;
}

/** Where an actor's endpoint binds, next to its worker's data service at `workerAddress`. */
export function actorBindAddress(workerAddress: string): string {
  if (workerAddress.startsWith('ipc://')) return `${workerAddress.slice(0, workerAddress.lastIndexOf('/'))}/a-${shortId()}`;
  const host = workerAddress.slice('tcp://'.length, workerAddress.lastIndexOf(':'));
  return `tcp://${host}:0`;
}

function protocolError(message: string, key?: string): WireError {
  return { name: 'ProtocolError', code: 'PROTOCOL', message, ...(key === undefined ? {} : { key }) };
}

export class ActorServer {
  readonly #endpoint: RouterEndpoint<PeerReply>;
  readonly #channel: BroadcastChannel;
  readonly #served = new Map<ThreadTask, Served>();
  readonly #perPeer = new Map<string, number>();
  #nextId = -1;
  /** Results not yet handed to the worker, by key: they go together, a little later (`#flushResults`). */
  #results = new Map<string, StoredResult>();
  /** Keys freed by their clients after their results were handed over: the worker drops them. */
  #freed: string[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Warnings of a kind already written (one each: the thread has no summarising log). */
  readonly #warned = new Set<string>();

  /**
   * The endpoint of `actor` (whose class module is `fnUrl`); calls received go to `enqueue`. Its socket
   * exists from here on: `closeNow` must run before the thread ends, opened or not.
   */
  constructor(
    private readonly actor: string,
    private readonly fnUrl: string,
    private readonly enqueue: (task: ThreadTask) => void,
    security: CurveCredentials | undefined,
  ) {
    // With CURVE, a context of its own for its own ZAP handler (one per context); without, the shared one.
    this.#endpoint = new RouterEndpoint<PeerReply>(() => {}, security ? peerCredentials(security) : undefined, security ? { context: new zmq.Context() } : {});
    this.#channel = new BroadcastChannel(actorChannelName(actor));
    this.#channel.unref();
  }

  /** Listens next to the worker's service at `workerAddress`, and tells the worker where. */
  async open(workerAddress: string): Promise<void> {
    try {
      const endpoint = await this.#endpoint.bind(actorBindAddress(workerAddress));
      if (this.#closed) return;
      this.#endpoint.start((peer, raw) => this.#serve(peer, raw), (peer, error) => this.#warn('undecodable', `actor ${this.actor}: undecodable request from ${printable(peer)}: ${(error as Error).message}`));
      this.#notify({ t: 'endpoint', endpoint });
    } catch (error) {
      this.closeNow('it could not open its endpoint');
      throw error;
    }
  }

  /** `task` starts running (if it came in here): should the thread end now, it did not finish, rather than did not run. */
  started(task: ThreadTask): void {
    const served = this.#served.get(task);
    if (served) served.started = true;
  }

  /** Whether the endpoint closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether `task` came in at this endpoint (its end is answered here). */
  serves(task: ThreadTask): boolean {
    return this.#served.has(task);
  }

  #warn(kind: string, message: string): void {
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    console.warn(`${message} (further warnings of this kind are not shown)`);
  }

  #notify(notice: ActorNotice): void {
    this.#channel.postMessage(notice);
  }

  #serve(peer: string, raw: unknown): void {
    const refuse = (id: number, error: WireError): void => this.#endpoint.send(peer, { op: 'refused', id, error });
    if (!Array.isArray(raw)) {
      this.#warn('not a batch', `actor ${this.actor}: dropped a message from ${printable(peer)}: the body is not a batch (array) of messages`);
      refuse(0, protocolError('the body is not a batch (array) of messages'));
      return;
    }
    for (const item of raw) {
      const problem = checkMessage(item, PEER_REQUESTS);
      const request = item as PeerRequest;
      if (!problem && request.op === 'free-direct') {
        this.#free(request.keys);
        continue;
      }
      if (problem || request.op !== 'actor-call') {
        const text = problem ? problem.text : `op \`${request.op}\` is not served at an actor's endpoint (only \`actor-call\` and \`free-direct\`); send it to the worker's data service`;
        this.#warn(problem?.kind ?? `op ${request.op}`, `actor ${this.actor}: dropped a message from ${printable(peer)}: ${text}`);
        const id = typeof (item as { id?: unknown })?.id === 'number' ? (item as { id: number }).id : 0;
        refuse(Number.isSafeInteger(id) ? id : 0, protocolError(`refused: ${text}`));
        continue;
      }
      this.#call(peer, request);
    }
  }

  #call(peer: string, request: Extract<PeerRequest, { op: 'actor-call' }>): void {
    const count = this.#perPeer.get(peer) ?? 0;
    if (count >= MAX_DIRECT_CALLS_PER_PEER || this.#served.size >= MAX_DIRECT_CALLS) {
      this.#endpoint.send(peer, { op: 'refused', id: request.id, error: protocolError(
        `refused the direct call ${request.key}: ${count >= MAX_DIRECT_CALLS_PER_PEER ? `this peer has ${count} calls in flight at actor ${this.actor}, the most one peer may (${MAX_DIRECT_CALLS_PER_PEER})` : `${this.#served.size} direct calls are in flight at actor ${this.actor}, the most it takes (${MAX_DIRECT_CALLS})`}; wait for answers before sending more, or send calls through the scheduler`, request.key) });
      return;
    }
    const part = request.actor;
    if (part.kind === 'create' || part.direct === undefined || part.handle === undefined || part.after !== undefined) {
      this.#endpoint.send(peer, { op: 'refused', id: request.id, error: protocolError(
        `refused the direct call ${request.key}: a direct call is a \`call\` or \`get\` with \`handle\` and \`direct\` set and no \`after\` (actors are constructed through the scheduler), got kind ${JSON.stringify(part.kind)}`, request.key) });
      return;
    }
    if (part.actor !== this.actor || this.#closed) {
      this.#answer({ peer, id: request.id }, request.key, { error: this.#lost(request.key, part.actor === this.actor ? 'its endpoint is closing' : 'this endpoint serves another actor'), duration: 0 });
      return;
    }
    const actorPart: ActorTaskPart = { actor: part.actor, kind: part.kind, name: part.name, handle: part.handle, direct: part.direct };
    const task: ThreadTask = { id: this.#nextId--, key: request.key, fnUrl: this.fnUrl, args: fromWire(request.args, false), deps: [], keep: false, actor: actorPart };
    this.#served.set(task, { peer, id: request.id });
    this.#perPeer.set(peer, count + 1);
    this.enqueue(task);
  }

  /** A call that came in here ended on the thread: its peer gets the answer, the worker the result. */
  finished(task: ThreadTask, result: ThreadOutcome): void {
    const served = this.#served.get(task);
    if (!served) return;
    this.#release(task, served);
    if (result.ok) {
      const report: TaskFinishedReport = { key: task.key, nbytes: result.nbytes, duration: result.duration, start: result.start, thread: result.thread, transfer: 0, value: toWire(result.value) };
      this.#endpoint.send(served.peer, { op: 'actor-reply', id: served.id, key: task.key, report });
      this.#results.set(task.key, { key: task.key, value: result.value });
      if (this.#results.size >= RESULTS_BATCH) this.#flushResults();
      else this.#flushTimer ??= setTimeout(this.#flushResults, RESULTS_DELAY_MS);
    } else {
      this.#answer(served, task.key, { error: result.error, duration: result.duration });
    }
  }

  /**
   * Hands the results served since the last time to the worker in one message, at most
   * RESULTS_DELAY_MS after the first (a post costs this thread tens of microseconds and wakes the
   * worker's main thread: once per call would cost every call that much). A result its client lets go
   * of before then is never handed over. A task that takes one as input and reaches the worker first
   * waits for it there, as for any input still being made; a peer that asks for it first is told it is
   * missing and asks again (the scheduler keeps this worker as its holder).
   */
  readonly #flushResults = (): void => {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#results.size === 0 && this.#freed.length === 0) return;
    const results = [...this.#results.values()];
    const freed = this.#freed;
    this.#results = new Map();
    this.#freed = [];
    this.#notify({ t: 'stored', results, freed });
  };

  /** A client let go of results of its calls (keys are random: knowing one is having made the call). */
  #free(keys: string[]): void {
    for (const key of keys) {
      if (this.#results.delete(key)) continue;
      this.#freed.push(key);
    }
    if (this.#freed.length >= RESULTS_BATCH) this.#flushResults();
    else if (this.#freed.length > 0) this.#flushTimer ??= setTimeout(this.#flushResults, RESULTS_DELAY_MS);
  }

  #release(task: ThreadTask, served: Served): void {
    this.#served.delete(task);
    const left = (this.#perPeer.get(served.peer) ?? 1) - 1;
    if (left <= 0) this.#perPeer.delete(served.peer);
    else this.#perPeer.set(served.peer, left);
  }

  #answer(served: Served, key: string, outcome: { error: WireError; duration: number }): void {
    this.#endpoint.send(served.peer, { op: 'actor-reply', id: served.id, key, error: outcome.error });
  }

  #lost(key: string, why: string, started = false): WireError {
    return {
      name: 'ActorLostError', code: 'ACTOR_LOST', key, fields: { actor: this.actor },
      message: `${key} did not ${started ? 'finish' : 'run'}: actor ${this.actor} is lost: ${why}. Create a new actor, or give submitActor a maxRestarts to construct it again when it is lost.`,
    };
  }

  /** Calls still waiting here, in the order they came (to drop from the thread's queue when it ends). */
  get waiting(): ThreadTask[] {
    return [...this.#served.keys()];
  }

  /**
   * Answers every call in flight with ActorLostError (`why`), sent at once, and closes the endpoint:
   * for a thread that is ending (the answers leave before the socket closes; see the module comment).
   */
  closeNow(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#flushResults();
    // One batch per peer: zeromq.js takes only so many sends at once outside the event loop.
    const lastWords = new Map<string, PeerReply[]>();
    for (const [task, served] of this.#served) {
      const reply: PeerReply = { op: 'actor-reply', id: served.id, key: task.key, error: this.#lost(task.key, why, served.started === true) };
      const list = lastWords.get(served.peer);
      if (list) list.push(reply);
      else lastWords.set(served.peer, [reply]);
    }
    for (const [peer, replies] of lastWords) this.#endpoint.sendNow(peer, replies);
    this.#served.clear();
    this.#perPeer.clear();
    this.#endpoint.closeNow(lastWords.size > 0 ? LAST_WORDS_LINGER_MS : 0);
    this.#notify({ t: 'closed' });
    this.#channel.close();
  }
}
