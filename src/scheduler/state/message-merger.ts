/**
 * The messages a stimulus queues for the server to send. Kept apart from the engine because merging
 * (many one-item messages to a peer become one message) is a wire concern, not a task-state one.
 */
import type { SchedulerMessage } from '../../protocol/messages.js';
import type { Outgoing } from './types.js';

/** Ops whose consecutive messages to one peer merge, and the list field that merges. */
const MERGED_LIST: ReadonlyMap<string, string> = new Map<MergeableOp, string>([
  ['compute', 'tasks'],
  ['task-finished', 'items'],
  ['free-keys', 'keys'],
  ['cancel-compute', 'keys'],
]);

/** The messages that merge: each has one list field that takes the items of the next. */
export type MergeableOp = 'compute' | 'task-finished' | 'free-keys' | 'cancel-compute';
type Mergeable = Extract<SchedulerMessage, { op: MergeableOp }>;
/** The item type of a mergeable op's list. */
export type MergedItem<Op extends MergeableOp> = Extract<Mergeable, { op: Op }> extends infer M
  ? M extends { tasks: Array<infer I> } ? I : M extends { items: Array<infer I> } ? I : M extends { keys: Array<infer I> } ? I : never
  : never;

function outgoing(to: 'client' | 'worker', peer: string, message: SchedulerMessage): Outgoing {
  // The state decides who is a client and who a worker; the op says nothing about it at run time.
  return { to, peer, message } as Outgoing;
}

/** The messages one stimulus queues, merged per peer; the server takes and sends them (see the module comment). */
export class MessageMerger {
  #outgoing: Outgoing[] = [];
  /** The last message queued per peer, while it can still take more items. */
  #open = new Map<string, { op: string; message: SchedulerMessage }>();

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
  queue(to: 'client' | 'worker', peer: string, message: SchedulerMessage): void {
    const op = message.op;
    const list = MERGED_LIST.get(op);
    if (list === undefined) {
      this.#outgoing.push(outgoing(to, peer, message));
      this.#open.delete(peer);
      return;
    }
    const items = (message as unknown as Record<string, unknown[]>)[list]!;
    const open = this.#open.get(peer);
    if (open && open.op === op) {
      (open.message as unknown as Record<string, unknown[]>)[list]!.push(...items);
      return;
    }
    // A copy with its own list: the caller may queue the same message to several peers, and what merges
    // into one peer's message later must not reach the others.
    const own = { ...message, [list]: items.slice() } as SchedulerMessage;
    this.#outgoing.push(outgoing(to, peer, own));
    this.#open.set(peer, { op, message: own });
  }

  /** Queues a cancelled key for a client, merged with the keys just before it when cancelled for the same reason. */
  queueCancelled(peer: string, key: string, reason: string): void {
    const open = this.#open.get(peer);
    if (open && open.op === 'task-cancelled' && (open.message as { reason: string }).reason === reason) {
      (open.message as { keys: string[] }).keys.push(key);
      return;
    }
    const message: SchedulerMessage = { op: 'task-cancelled', keys: [key], reason };
    this.#outgoing.push(outgoing('client', peer, message));
    this.#open.set(peer, { op: 'task-cancelled', message });
  }

  /**
   * Queues one item of a mergeable op (`queue(to, peer, { op, [list]: [item] })` without the wrapper):
   * the per-task path (a compute order, a finished key) then allocates only the message it starts.
   */
  queueItem<Op extends MergeableOp>(to: 'client' | 'worker', peer: string, op: Op, item: MergedItem<Op>): void {
    const list = MERGED_LIST.get(op)!;
    const open = this.#open.get(peer);
    if (open && open.op === op) {
      (open.message as unknown as Record<string, unknown[]>)[list]!.push(item);
      return;
    }
    const message = { op, [list]: [item] } as unknown as SchedulerMessage;
    this.#outgoing.push(outgoing(to, peer, message));
    this.#open.set(peer, { op, message });
  }
}
