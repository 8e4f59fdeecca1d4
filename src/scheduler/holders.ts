/**
 * Holders: clients with no connection that keep keys wanted. `fire-and-forget` holds unfinished keys
 * until they finish, fail or are cancelled, then lets go (so the result is freed once nobody else wants
 * it); named holders (a published dataset, a variable, a queue) hold keys until told to let go. The
 * news the state sends them never reaches a socket: the server hands it here instead.
 */
import type { SchedulerState } from './state/scheduler-state.js';
import { bigTaskSet, type ClientRecord } from './state/types.js';

/** Routing ids of holders start with a byte no real peer's id has. */
const PREFIX = '\u0000holder:';
const FIRE_AND_FORGET = 'fire-and-forget';
const SETTLED_OPS = new Set(['task-erred', 'task-cancelled', 'task-lost']);

export class Holders {
  readonly #records = new Map<string, ClientRecord>();
  /** Keys fire-and-forget heard were done, let go of after the current flush. */
  #settled: string[] = [];

  constructor(private readonly state: SchedulerState) {}

  /** The holder named `name`, created on first use. */
  get(name: string): ClientRecord {
    let holder = this.#records.get(name);
    if (!holder) this.#records.set(name, (holder = { peer: PREFIX + name, id: name, wants: bigTaskSet(), lastSeen: Infinity }));
    return holder;
  }

  /** Keeps `keys` computing although no client may want them any longer; keys already done are left alone. */
  fireAndForget(keys: string[]): void {
    this.state.holdKeys(this.get(FIRE_AND_FORGET), keys, true);
  }

  /** The named holder lets go of every key it held. */
  drop(name: string): void {
    const holder = this.#records.get(name);
    if (!holder) return;
    this.#records.delete(name);
    this.state.dropHolder(holder);
  }

  /** Every holder lets go (client.restart). */
  dropAll(): void {
    for (const name of [...this.#records.keys()]) this.drop(name);
  }

  /**
   * Takes a message the state addressed to `peer` when the peer is a holder (true): nothing is sent.
   * Fire-and-forget notes the keys that are done, to let go of them in `settle`.
   */
  intercept(peer: string, message: object): boolean {
    if (!peer.startsWith(PREFIX)) return false;
    if (peer !== PREFIX + FIRE_AND_FORGET) return true;
    const m = message as { op: string; key?: string; keys?: string[]; items?: Array<{ key: string }> };
    if (m.op === 'task-finished') for (const item of m.items ?? []) this.#settled.push(item.key);
    else if (m.op === 'task-cancelled') for (const key of m.keys ?? []) this.#settled.push(key);
    else if (SETTLED_OPS.has(m.op) && m.key !== undefined) this.#settled.push(m.key);
    return true;
  }

  /** Lets go of the fire-and-forget keys that are done. True when it did (the state queued more to send). */
  settle(): boolean {
    if (this.#settled.length === 0) return false;
    const keys = this.#settled;
    this.#settled = [];
    const holder = this.#records.get(FIRE_AND_FORGET);
    if (holder) this.state.release(holder, keys);
    return holder !== undefined;
  }
}
