/**
 * The scheduler's side of the coordination primitives: named Locks, Events, Queues, Variables and
 * published datasets, shared by every client (and by tasks, through their getClient client). Each
 * request is answered once with `coordinate-reply`, at once or when it can be (a lock freed, an event
 * set, an item put), or `ok: false` when its time limit passes first. Futures inside a value stay
 * wanted by a holder (holders.ts) as long as the value is kept, so their results are not freed.
 */
import { FlotillaError } from '../errors/index.js';
import type { CoordinationRequest, WireValue } from '../protocol/messages.js';
import { toWireError } from '../protocol/wire-error.js';
import type { CoordinationIo, CoordinationPort } from './context.js';
import type { ClientRecord } from './state/types.js';

/** A kept value, and the holder that keeps its futures wanted. */
interface Item {
  value: WireValue;
  keys: string[];
  holder: string;
}

/** A request waiting to be answered. */
interface Waiter {
  client: ClientRecord;
  id: number;
  timer: NodeJS.Timeout | undefined;
  /** For a lock: the lease asking; for a queue put: the item to put. */
  lease?: string;
  item?: Item;
}

interface LockState { lease: string | undefined; client: ClientRecord | undefined; waiters: Waiter[] }
interface EventState { set: boolean; waiters: Waiter[] }
interface QueueState { items: Item[]; maxsize: number; getters: Waiter[]; putters: Waiter[] }
interface VariableState { item: Item | undefined; waiters: Waiter[] }

type Reply = { ok: boolean; value?: WireValue; names?: string[]; count?: number; error?: Error };

export class Coordination implements CoordinationPort {
  readonly #locks = new Map<string, LockState>();
  readonly #events = new Map<string, EventState>();
  readonly #queues = new Map<string, QueueState>();
  readonly #variables = new Map<string, VariableState>();
  readonly #datasets = new Map<string, Item>();
  #nextItem = 1;

  constructor(private readonly core: CoordinationIo) {}

  handle(client: ClientRecord, id: number, request: CoordinationRequest): void {
    const reply = (answer: Reply) => this.#reply(client, id, answer);
    const name = request.name;
    const unknown = () => reply({ ok: false, error: new FlotillaError(`unknown ${request.kind} action ${JSON.stringify(request.action)}`) });
    switch (request.kind) {
      case 'lock': {
        const lock = getOrMake(this.#locks, name, () => ({ lease: undefined, client: undefined, waiters: [] }));
        const lease = request.lease ?? '';
        if (request.action === 'acquire') {
          if (lock.lease === undefined) {
            lock.lease = lease;
            lock.client = client;
            return reply({ ok: true });
          }
          return this.#park(lock.waiters, client, id, request.timeoutMs, { lease });
        }
        if (request.action === 'release') {
          if (lock.lease !== lease) {
            return reply({ ok: false, error: new FlotillaError(`Lock ${JSON.stringify(name)} is not held by this Lock object, so it cannot release it (released twice, or acquired by another object)`) });
          }
          this.#passLock(lock);
          return reply({ ok: true });
        }
        if (request.action === 'locked') return reply({ ok: lock.lease !== undefined });
        return unknown();
      }
      case 'event': {
        const event = getOrMake(this.#events, name, () => ({ set: false, waiters: [] }));
        if (request.action === 'set') {
          event.set = true;
          for (const waiter of event.waiters.splice(0)) this.#answer(waiter, { ok: true });
          return reply({ ok: true });
        }
        if (request.action === 'clear') {
          event.set = false;
          return reply({ ok: true });
        }
        if (request.action === 'is-set') return reply({ ok: event.set });
        if (request.action === 'wait') return event.set ? reply({ ok: true }) : this.#park(event.waiters, client, id, request.timeoutMs);
        return unknown();
      }
      case 'queue': {
        const queue = getOrMake(this.#queues, name, () => ({ items: [], maxsize: Math.max(0, request.maxsize ?? 0), getters: [], putters: [] }));
        if (request.action === 'put') {
          const item = this.#keep('queue', name, request);
          const getter = queue.getters.shift();
          if (getter) {
            this.#handOver(getter, item);
            return reply({ ok: true });
          }
          if (queue.maxsize > 0 && queue.items.length >= queue.maxsize) return this.#park(queue.putters, client, id, request.timeoutMs, { item });
          queue.items.push(item);
          return reply({ ok: true });
        }
        if (request.action === 'get') {
          const item = queue.items.shift();
          if (!item) return this.#park(queue.getters, client, id, request.timeoutMs);
          const putter = queue.putters.shift();
          if (putter) {
            queue.items.push(putter.item!);
            this.#answer(putter, { ok: true });
          }
          return this.#handOver({ client, id, timer: undefined }, item);
        }
        if (request.action === 'size') return reply({ ok: true, count: queue.items.length });
        return unknown();
      }
      case 'variable': {
        const variable = getOrMake(this.#variables, name, () => ({ item: undefined, waiters: [] }));
        if (request.action === 'set') {
          const old = variable.item;
          variable.item = this.#keep('variable', name, request);
          for (const waiter of variable.waiters.splice(0)) this.#handOver(waiter, variable.item, false);
          if (old) this.core.holders.drop(old.holder);
          return reply({ ok: true });
        }
        if (request.action === 'get') {
          if (!variable.item) return this.#park(variable.waiters, client, id, request.timeoutMs);
          return this.#handOver({ client, id, timer: undefined }, variable.item, false);
        }
        if (request.action === 'delete') {
          if (variable.item) this.core.holders.drop(variable.item.holder);
          variable.item = undefined;
          return reply({ ok: true });
        }
        return unknown();
      }
      case 'dataset': {
        if (request.action === 'publish') {
          const old = this.#datasets.get(name);
          if (old && !request.override) {
            return reply({ ok: false, error: new FlotillaError(`a dataset named ${JSON.stringify(name)} is already published; unpublish it first, or publish with { override: true }`) });
          }
          this.#datasets.set(name, this.#keep('dataset', name, request));
          if (old) this.core.holders.drop(old.holder);
          return reply({ ok: true });
        }
        if (request.action === 'get') {
          const item = this.#datasets.get(name);
          if (!item) {
            const known = [...this.#datasets.keys()].map((n) => JSON.stringify(n)).join(', ') || 'none';
            return reply({ ok: false, error: new FlotillaError(`no dataset named ${JSON.stringify(name)} is published (published: ${known})`) });
          }
          return this.#handOver({ client, id, timer: undefined }, item, false);
        }
        if (request.action === 'list') return reply({ ok: true, names: [...this.#datasets.keys()] });
        if (request.action === 'unpublish') {
          const item = this.#datasets.get(name);
          this.#datasets.delete(name);
          if (item) this.core.holders.drop(item.holder);
          return reply({ ok: item !== undefined });
        }
        return unknown();
      }
    }
  }

  /** A client left: its waits end, and the locks it held pass on. */
  clientLeft(client: ClientRecord): void {
    const drop = (waiters: Waiter[]) => {
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.client !== client) continue;
        clearTimeout(waiters[i]!.timer);
        const [gone] = waiters.splice(i, 1);
        if (gone?.item) this.core.holders.drop(gone.item.holder);
      }
    };
    for (const lock of this.#locks.values()) {
      drop(lock.waiters);
      if (lock.client === client) this.#passLock(lock);
    }
    for (const event of this.#events.values()) drop(event.waiters);
    for (const queue of this.#queues.values()) {
      drop(queue.getters);
      drop(queue.putters);
    }
    for (const variable of this.#variables.values()) drop(variable.waiters);
    this.core.flush();
  }

  /** Keeps a value put, set or published: a holder wants the futures inside it. */
  #keep(kind: string, name: string, request: CoordinationRequest): Item {
    const holder = `${kind}:${name}:${this.#nextItem++}`;
    const keys = request.keys ?? [];
    if (keys.length > 0) this.core.state.holdKeys(this.core.holders.get(holder), keys, false);
    return { value: request.value ?? EMPTY_VALUE, keys, holder };
  }

  /**
   * Answers a waiter with a value: the client wants its futures before the item's holder lets go (a
   * queue item is taken; a variable's or dataset's value stays, `take` false).
   */
  #handOver(waiter: Waiter, item: Item, take = true): void {
    if (item.keys.length > 0) this.core.state.holdKeys(waiter.client, item.keys, false);
    this.#answer(waiter, { ok: true, value: item.value });
    if (take) this.core.holders.drop(item.holder);
  }

  #passLock(lock: LockState): void {
    const next = lock.waiters.shift();
    lock.lease = next?.lease;
    lock.client = next?.client;
    if (next) this.#answer(next, { ok: true });
  }

  #park(waiters: Waiter[], client: ClientRecord, id: number, timeoutMs: number | undefined, extra: { lease?: string; item?: Item } = {}): void {
    const waiter: Waiter = { client, id, timer: undefined, ...extra };
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      waiter.timer = setTimeout(() => {
        const at = waiters.indexOf(waiter);
        if (at < 0) return;
        waiters.splice(at, 1);
        if (waiter.item) this.core.holders.drop(waiter.item.holder);
        this.#answer(waiter, { ok: false });
      }, Math.max(0, timeoutMs));
      waiter.timer.unref();
    }
    waiters.push(waiter);
  }

  #answer(waiter: Waiter, answer: Reply): void {
    clearTimeout(waiter.timer);
    this.#reply(waiter.client, waiter.id, answer);
  }

  #reply(client: ClientRecord, id: number, answer: Reply): void {
    const { error, ...rest } = answer;
    this.core.send(client.peer, { op: 'coordinate-reply', id, ...rest, ...(error ? { error: toWireError(error) } : {}) });
    this.core.flush();
  }
}

const EMPTY_VALUE: WireValue = { body: new Uint8Array([0xc0]), frames: [] };

function getOrMake<V>(map: Map<string, V>, name: string, make: () => V): V {
  let value = map.get(name);
  if (!value) map.set(name, (value = make()));
  return value;
}
