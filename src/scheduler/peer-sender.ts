/**
 * Where a scheduler message goes: to a client in the same process over its local link (as objects, no
 * encoding), held back when it frees keys on a worker (see lazy-frees.ts), else out of the ROUTER socket.
 * It counts what it sends, for the dashboard's message rate.
 */
import type { SchedulerMessage } from '../protocol/messages.js';
import { LocalLink } from '../transport/local-link.js';
import { LazyFrees } from './lazy-frees.js';

export class PeerSender {
  #localLinks = new Map<string, LocalLink>();
  readonly #frees: LazyFrees;
  #sent = 0;

  /** `sendNow` sends one message out of the socket. */
  constructor(private readonly sendNow: (peer: string, message: SchedulerMessage) => void) {
    this.#frees = new LazyFrees((peer, message) => sendNow(peer, message));
  }

  /** Messages sent so far. */
  get sent(): number {
    return this.#sent;
  }

  send(peer: string, message: SchedulerMessage): void {
    this.#sent++;
    const local = this.#localLinks.get(peer);
    if (local) {
      local.deliver(message);
      return;
    }
    if (message.op === 'free-keys') {
      this.#frees.hold(peer, message.keys);
      return;
    }
    this.#frees.before(peer);
    this.sendNow(peer, message);
  }

  /** A link for a client in this same process; what it sends goes to `onBatch`. */
  openLocalLink(routingId: string, onBatch: (peer: string, batch: unknown) => void): LocalLink {
    const link = new LocalLink(routingId, onBatch, (peer) => this.#localLinks.delete(peer));
    this.#localLinks.set(routingId, link);
    return link;
  }

  /** A worker left: its held frees are dropped (it holds nothing any more). */
  forget(peer: string): void {
    this.#frees.forget(peer);
  }

  /** Sends every held free now (the scheduler is closing). */
  flushAll(): void {
    this.#frees.flushAll();
  }
}
