/**
 * One outgoing queue in front of a socket.
 *
 * zeromq.js allows one pending send per socket (a second fails with EBUSY), so every send goes through
 * here. Messages queued while a send is in flight, or within the same turn of the event loop, leave
 * together as one batch per peer: batching costs no timer, and an idle link flushes at once.
 */
import { encodeBatch } from '../protocol/codec.js';

/** The send queue of one socket: batches per peer, one send in flight (see the module comment). */
export class SendQueue<Target, M extends object = object> {
  #pending = new Map<Target, M[]>();
  #flushing = false;
  #scheduled = false;
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly sendFrames: (target: Target, frames: Uint8Array[]) => Promise<void>,
    private readonly onSendError: (target: Target, error: unknown, messages: M[]) => void,
  ) {}

  push(target: Target, message: M): void {
    const list = this.#pending.get(target);
    if (list) list.push(message);
    else this.#pending.set(target, [message]);
    this.#schedule();
  }

  /** Resolves when everything queued so far has been handed to ZeroMQ. */
  drained(): Promise<void> {
    if (!this.#flushing && !this.#scheduled && this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    // A microtask: what handling one incoming batch produces leaves in one send, without waiting for
    // the next turn of the event loop; while a send is in flight, later messages gather behind it.
    queueMicrotask(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    this.#flushing = true;
    try {
      while (this.#pending.size > 0) {
        const batch = this.#pending;
        this.#pending = new Map();
        for (const [target, messages] of batch) {
          try {
            await this.sendFrames(target, encodeBatch(messages));
          } catch (error) {
            this.onSendError(target, error, messages);
          }
        }
      }
    } finally {
      this.#flushing = false;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
