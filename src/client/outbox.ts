/**
 * What a client sends the scheduler, in order, merged and cut to size. Consecutive submits, releases and
 * cancels merge into one message each (a million `future.release()` calls are a few messages, not a
 * million), and a big one leaves in chunks of {@link CHUNK_ITEMS}, one chunk's worth per turn of the event
 * loop: encoding a million tasks at once would block this process for seconds, and decoding them the
 * scheduler's. Later messages wait behind the chunks, so a cancel never overtakes its submit.
 */
import type { ClientToScheduler } from '../protocol/messages.js';

/** Tasks or keys sent per turn of the event loop (and at most per message). */
export const CHUNK_ITEMS = 2_000;

type Listed = Extract<ClientToScheduler, { op: 'submit' | 'release' | 'cancel' }>;

function items(message: Listed): unknown[] {
  return message.op === 'submit' ? message.tasks : message.keys;
}

/** Two messages that may merge into one: same op, and for cancels the same `force`. */
function mergeable(a: ClientToScheduler, b: ClientToScheduler): a is Listed {
  if (a.op !== b.op) return false;
  if (a.op === 'submit' || a.op === 'release') return true;
  return a.op === 'cancel' && (a.force === true) === ((b as Listed & { op: 'cancel' }).force === true);
}

export class Outbox {
  /** Messages not handed to the link yet, merged; the first may be partly sent (`#sent` of its items). */
  #queue: ClientToScheduler[] = [];
  #sent = 0;
  /** Messages queued in this turn, merged into #queue at the next microtask. */
  #incoming: ClientToScheduler[] = [];
  #flushScheduled = false;
  #pumpScheduled = false;

  /** `drained`: resolves once what was sent has left (the next chunk waits for it, so chunks never pile up into one batch). */
  constructor(private readonly send: (message: ClientToScheduler) => void, private readonly drained?: () => Promise<void>) {}

  push(message: ClientToScheduler): void {
    this.#incoming.push(message);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Everything queued in one turn leaves together, right after it: batching with no timer.
    queueMicrotask(() => this.#flush());
  }

  /** Sends everything now, however big (when closing). */
  drainAll(): void {
    this.#merge();
    while (this.#queue.length > 0) this.#pump(Infinity);
  }

  #flush(): void {
    this.#flushScheduled = false;
    this.#merge();
    if (!this.#pumpScheduled) this.#pump(CHUNK_ITEMS);
  }

  #merge(): void {
    const incoming = this.#incoming;
    this.#incoming = [];
    for (const message of incoming) {
      const last = this.#queue[this.#queue.length - 1];
      // The first queued message may be partly sent already; merging into it is still in order.
      if (last && mergeable(last, message)) {
        const into = items(last);
        for (const item of items(message as Listed)) into.push(item);
        continue;
      }
      this.#queue.push(message.op === 'submit' ? { op: 'submit', tasks: [...message.tasks] }
        : message.op === 'release' ? { op: 'release', keys: [...message.keys] }
        : message.op === 'cancel' ? { ...message, keys: [...message.keys] } : message);
    }
  }

  /** Hands up to `budget` items to the link (at least one message); the rest goes next turn. */
  #pump(budget: number): void {
    this.#pumpScheduled = false;
    let left = budget;
    while (this.#queue.length > 0 && left > 0) {
      const message = this.#queue[0]!;
      if (message.op !== 'submit' && message.op !== 'release' && message.op !== 'cancel') {
        this.#queue.shift();
        this.send(message);
        left--;
        continue;
      }
      const list = items(message);
      const take = Math.min(list.length - this.#sent, left, CHUNK_ITEMS);
      const whole = this.#sent === 0 && take === list.length;
      const part = whole ? list : list.slice(this.#sent, this.#sent + take);
      this.send(message.op === 'submit' ? { op: 'submit', tasks: part as typeof message.tasks } : { ...message, keys: part as string[] });
      this.#sent += take;
      left -= Math.max(1, take);
      if (this.#sent >= list.length) {
        this.#queue.shift();
        this.#sent = 0;
      }
    }
    if (this.#queue.length > 0 && budget !== Infinity) {
      this.#pumpScheduled = true;
      const next = (): void => void setImmediate(() => this.#pump(CHUNK_ITEMS));
      if (this.drained) void this.drained().then(next);
      else next();
    }
  }
}
