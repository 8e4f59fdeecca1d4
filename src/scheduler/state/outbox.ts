/**
 * The messages a stimulus queues for the server to send. Kept apart from the engine because merging
 * (many one-item messages to a peer become one message) is a wire concern, not a task-state one.
 */
import type { Outgoing } from './types.js';

/** Ops whose consecutive messages to one peer merge, and the list field that merges. */
const MERGED_LIST: ReadonlyMap<string, string> = new Map([
  ['compute', 'tasks'],
  ['task-finished', 'items'],
  ['free-keys', 'keys'],
  ['cancel-compute', 'keys'],
]);

export class Outbox {
  #outgoing: Outgoing[] = [];
  /** The last message queued per peer, while it can still take more items. */
  #open = new Map<string, { op: string; message: object }>();

  /** Messages queued so far, in order; the queue starts empty again. */
  take(): Outgoing[] {
    const out = this.#outgoing;
    this.#outgoing = [];
    this.#open.clear();
    return out;
  }

  /**
   * Queues a message. Consecutive messages of a mergeable op (see MERGED_LIST) to one peer merge into
   * one: fewer, larger messages are much cheaper to encode and handle.
   */
  queue(to: 'client' | 'worker', peer: string, message: object): void {
    const op = (message as { op: string }).op;
    const list = MERGED_LIST.get(op);
    if (list === undefined) {
      this.#outgoing.push({ to, peer, message } as Outgoing);
      this.#open.delete(peer);
      return;
    }
    const open = this.#open.get(peer);
    if (open && open.op === op) {
      (open.message as Record<string, unknown[]>)[list]!.push(...(message as Record<string, unknown[]>)[list]!);
      return;
    }
    this.#outgoing.push({ to, peer, message } as Outgoing);
    this.#open.set(peer, { op, message });
  }
}
