/**
 * Actor calls that clients send straight to this worker over its data service (the client's direct
 * path, see src/actors/direct.ts), instead of through the scheduler. This checks each request, holds the
 * bound on calls in flight per peer and in all (a peer that sends faster than the actor answers is
 * refused, so it cannot grow this worker's memory without bound), turns the request into a task of the
 * actor's line (the task state runs it on the actor's thread like a call the scheduler sent), and sends
 * its end back to the peer that called. The scheduler hears of the call from the client.
 *
 * Once an actor's thread serves calls at its own endpoint (actor-server.ts), the answers here name it,
 * and the clients send that actor's calls there; the thread hands this worker the results of those calls
 * (actor-channel.ts), kept here like the rest, and freed the same way (`free-direct`, from any peer: their
 * keys are random and not known to others). Without `store` in the port the endpoints are not handed out.
 */
import { BroadcastChannel } from 'node:worker_threads';
import type { ComputeOrder, PeerReply, PeerRequest, TaskFinishedReport, WireError } from '../protocol/messages.js';
import { actorChannelName, checkActorNotice } from './actor-channel.js';
import type { DirectOrigin } from './state/types.js';
import type { StoredValue } from './thread-protocol.js';

/** Direct calls one peer may have in flight here; the client sends more through the scheduler. */
export const MAX_DIRECT_CALLS_PER_PEER = 4_096;
/** Direct calls in flight here from all peers together. */
export const MAX_DIRECT_CALLS = 65_536;

type ActorCall = Extract<PeerRequest, { op: 'actor-call' }>;

/** What the direct calls need from the worker: to queue a call, and to answer its peer. */
export interface DirectCallPort {
  /** Queues the call on its actor; the error to answer at once when it cannot run here. */
  accept(order: ComputeOrder, origin: DirectOrigin): WireError | undefined;
  reply(peer: string, message: PeerReply): void;
  /** Drops a stored result. */
  free(key: string): void;
  /** Keeps the result of a call an actor's thread served at its own endpoint (readies the tasks waiting for it). */
  store?(key: string, value: StoredValue): void;
}

/** What the worker knows of an actor it served direct calls of: its thread's channel, and its endpoint once open. */
interface ActorLink {
  readonly channel: BroadcastChannel;
  endpoint: string | undefined;
}

function protocolError(message: string): WireError {
  return { name: 'ProtocolError', code: 'PROTOCOL', message };
}

export class DirectCalls {
  readonly #inFlight = new Map<string, number>();
  #total = 0;
  /** Results of direct calls stored here → the peer that made them (which may free them, see `freeDirect`). */
  readonly #owners = new Map<string, string>();
  /** Actors whose direct calls came here, by key. */
  readonly #actors = new Map<string, ActorLink>();
  /** Results that actors' threads served at their own endpoints, kept here and not yet freed. */
  readonly #threadServed = new Set<string>();

  constructor(private readonly port: DirectCallPort) {}

  /** Calls in flight here now. */
  get size(): number {
    return this.#total;
  }

  /** A checked `actor-call` from `peer`. */
  call(peer: string, request: ActorCall): void {
    const count = this.#inFlight.get(peer) ?? 0;
    if (count >= MAX_DIRECT_CALLS_PER_PEER || this.#total >= MAX_DIRECT_CALLS) {
      this.port.reply(peer, { op: 'refused', id: request.id, error: protocolError(
        `refused the direct call ${request.key}: ${count >= MAX_DIRECT_CALLS_PER_PEER ? `this peer has ${count} calls in flight here, the most one peer may (${MAX_DIRECT_CALLS_PER_PEER})` : `${this.#total} direct calls are in flight here, the most this worker takes (${MAX_DIRECT_CALLS})`}; wait for answers before sending more, or send calls through the scheduler`) });
      return;
    }
    const part = request.actor;
    if (part.kind === 'create' || part.direct === undefined || part.handle === undefined) {
      this.port.reply(peer, { op: 'refused', id: request.id, error: protocolError(
        `refused the direct call ${request.key}: a direct call is a \`call\` or \`get\` with \`handle\` and \`direct\` set (actors are constructed through the scheduler), got kind ${JSON.stringify(part.kind)}`) });
      return;
    }
    const order: ComputeOrder = {
      key: request.key, fn: request.fn, args: request.args, priority: 0,
      deps: [{ key: part.actor, holders: [], local: true }], actor: { actor: part.actor, kind: part.kind, name: part.name, handle: part.handle, direct: part.direct },
    };
    const origin: DirectOrigin = { peer, id: request.id, actor: part.actor };
    if (this.port.store && !this.#actors.has(part.actor)) this.#listen(part.actor);
    this.#inFlight.set(peer, count + 1);
    this.#total++;
    const error = this.port.accept(order, origin);
    if (error) this.answer(origin, request.key, { error, duration: 0 });
  }

  /**
   * `peer` lets go of results of its direct calls that the scheduler never heard of (released before
   * the client told it): they are freed. Keys of other peers, or not made by direct calls, are ignored.
   */
  freeDirect(peer: string, keys: string[]): void {
    for (const key of keys) {
      if (this.#threadServed.delete(key)) {
        this.port.free(key);
        continue;
      }
      if (this.#owners.get(key) !== peer) continue;
      this.#owners.delete(key);
      this.port.free(key);
    }
  }

  /** Listens to what the thread of `actor` tells of its endpoint (see the module comment). */
  #listen(actor: string): void {
    const channel = new BroadcastChannel(actorChannelName(actor));
    channel.unref();
    const link: ActorLink = { channel, endpoint: undefined };
    this.#actors.set(actor, link);
    channel.onmessage = (event) => {
      const notice = checkActorNotice((event as { data?: unknown }).data);
      if (!notice) return;
      if (notice.t === 'endpoint') {
        link.endpoint = notice.endpoint;
      } else if (notice.t === 'stored') {
        for (const { key, value } of notice.results) {
          this.#threadServed.add(key);
          this.port.store!(key, value);
        }
        for (const key of notice.freed) if (this.#threadServed.delete(key)) this.port.free(key);
      } else {
        this.#forgetActor(actor);
      }
    };
  }

  #forgetActor(actor: string): void {
    const link = this.#actors.get(actor);
    if (!link) return;
    this.#actors.delete(actor);
    link.channel.close();
  }

  /** Stops listening to every actor's thread (the worker is closing). */
  close(): void {
    for (const actor of [...this.#actors.keys()]) this.#forgetActor(actor);
  }

  /** The scheduler freed these keys (it knows of the calls): they are no longer the peers' to free. */
  forget(keys: string[]): void {
    if (this.#owners.size === 0 && this.#threadServed.size === 0) return;
    for (const key of keys) {
      this.#owners.delete(key);
      this.#threadServed.delete(key);
    }
  }

  /** A direct call ended (or could not start): answer its peer. */
  answer(origin: DirectOrigin, key: string, outcome: { report: TaskFinishedReport } | { error: WireError; duration: number }): void {
    const count = this.#inFlight.get(origin.peer) ?? 0;
    if (count <= 1) this.#inFlight.delete(origin.peer);
    else this.#inFlight.set(origin.peer, count - 1);
    if (count > 0) this.#total--;
    if ('report' in outcome) this.#owners.set(key, origin.peer);
    const reply: PeerReply = 'report' in outcome
      ? { op: 'actor-reply', id: origin.id, key, report: outcome.report }
      : { op: 'actor-reply', id: origin.id, key, error: outcome.error };
    const endpoint = origin.actor === undefined ? undefined : this.#actors.get(origin.actor)?.endpoint;
    if (endpoint !== undefined) reply.endpoint = endpoint;
    this.port.reply(origin.peer, reply);
  }
}
