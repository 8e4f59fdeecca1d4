/**
 * Requests to workers' data services (`get-data`), one DEALER link per address, reused.
 * Used by workers to fetch dependencies from peers and by clients to gather large results directly.
 */
import { TimeoutError } from '../errors/index.js';
import type { PeerReply, PeerRequest, WireValue } from '../protocol/messages.js';
import { fromWireError } from '../protocol/wire-error.js';
import { peerReplySchema, validateBatch } from '../protocol/validate.js';
import { shortId } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import { DealerLink, type ReceiveOptions } from './endpoints.js';
import type { CurveCredentials } from './security.js';

/** The answer to an actor call: the worker's reply, or an error when it refused or cannot be reached. */
export type ActorCallAnswer = Extract<PeerReply, { op: 'actor-reply' }> | Error;
type ActorCall = Omit<Extract<PeerRequest, { op: 'actor-call' }>, 'id' | 'op'>;

interface PendingCall {
  readonly address: string;
  readonly answer: (reply: ActorCallAnswer) => void;
}

interface Pending {
  resolve: (reply: Extract<PeerReply, { op: 'data' }>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  address: string;
}

export class PeerPool {
  #links = new Map<string, DealerLink<PeerRequest>>();
  #pending = new Map<number, Pending>();
  /** Actor calls sent and not answered: no timer each (the scheduler reports a lost worker), see `forget`. */
  #calls = new Map<number, PendingCall>();
  #nextId = 1;
  /** Links made so far: each gets its own routing id, also after an abandoned one was dropped. */
  #linksMade = 0;
  readonly #routingPrefix = `peer-${shortId()}`;

  constructor(private readonly log: Logger, private readonly security?: CurveCredentials, private readonly receive: ReceiveOptions = {}) {}

  /**
   * Fetches `keys` from the worker at `address`; rejects with TimeoutError after `timeoutMs`, or with an
   * AuthenticationError at once when that worker refuses this pool's keys.
   */
  getData(address: string, keys: string[], timeoutMs = 30_000): Promise<{ values: Record<string, WireValue>; missing: string[] }> {
    const link = this.#link(address);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new TimeoutError(`no answer from worker ${address} for ${keys.length} keys within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer, address });
      link.send({ op: 'get-data', id, keys });
    });
  }

  /**
   * Sends a call to an actor living on the worker at `address` (src/actors/direct.ts); `answer` gets its
   * reply once, or an error when the worker refused it or is abandoned. Returns the call's id for `forget`.
   */
  callActor(address: string, call: ActorCall, answer: (reply: ActorCallAnswer) => void): number {
    const link = this.#link(address);
    const id = this.#nextId++;
    this.#calls.set(id, { address, answer });
    link.send({ op: 'actor-call', id, ...call });
    return id;
  }

  /** Tells the worker at `address` to free results of this pool's direct calls (no answer). */
  freeDirect(address: string, keys: string[]): void {
    this.#link(address).send({ op: 'free-direct', keys });
  }

  /** Drops the call `id` (its future settled another way): a late reply is ignored. */
  forget(id: number): void {
    this.#calls.delete(id);
  }

  /**
   * The worker at `address` is gone (the scheduler said so): requests waiting on it fail now with
   * `reason` instead of at their time-out, and its link is closed (a later request connects afresh).
   */
  abandon(address: string, reason: string): void {
    this.#failPending(address, new Error(`worker ${address} is gone: ${reason}`));
    const link = this.#links.get(address);
    if (!link) return;
    this.#links.delete(address);
    link.close().catch((error: unknown) => this.log.warn(`closing the link to ${address} failed: ${(error as Error).message}`));
  }

  /** Rejects every request waiting on `address` with `error`. */
  #failPending(address: string, error: Error): void {
    for (const [id, pending] of this.#pending) {
      if (pending.address !== address) continue;
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    for (const [id, call] of this.#calls) {
      if (call.address !== address) continue;
      this.#calls.delete(id);
      call.answer(error);
    }
  }

  #answer(reply: PeerReply): void {
    if (reply.op !== 'data') {
      const call = this.#calls.get(reply.id);
      if (call) {
        this.#calls.delete(reply.id);
        call.answer(reply.op === 'refused' ? fromWireError(reply.error) : reply);
        return;
      }
    }
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.op === 'data') pending.resolve(reply);
    else pending.reject(reply.op === 'refused' ? fromWireError(reply.error) : new Error(`peer answered a data request with ${reply.op}`));
  }

  #link(address: string): DealerLink<PeerRequest> {
    let link = this.#links.get(address);
    if (link) return link;
    link = new DealerLink<PeerRequest>(address, `${this.#routingPrefix}-${this.#linksMade++}`, (error) => {
      this.log.warn(`sending to peer ${address} failed: ${(error as Error).message}`);
    }, this.security, { receiveHighWaterMark: 64, ...this.receive });
    link.onHandshakeFailure((error) => this.#failPending(address, error));
    link.start(
      (raw) => {
        const { messages, errors } = validateBatch<PeerReply>(raw, peerReplySchema, address);
        for (const error of errors) this.log.warn(error.message);
        for (const reply of messages) this.#answer(reply);
      },
      (error) => this.log.warn(`undecodable reply from peer ${address}: ${(error as Error).message}`),
    );
    this.#links.set(address, link);
    return link;
  }

  async close(): Promise<void> {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('peer pool closed'));
    }
    this.#pending.clear();
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const call of calls) call.answer(new Error('peer pool closed'));
    await Promise.all([...this.#links.values()].map((link) => link.close()));
    this.#links.clear();
  }
}
