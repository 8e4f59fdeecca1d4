/**
 * The direct path of an actor's calls: once the client knows which worker the actor lives on, a call
 * goes straight to that worker over the client's peer link (the one gathers use, with the same CURVE
 * keys) and the worker answers straight back, one network round trip instead of two through the
 * scheduler. The scheduler still hears of every call, off the latency path: the session sends it the
 * call's spec (marked `direct`) before any task that could use its future, and the call's end when the
 * worker's answer arrives, so a call's future stays an ordinary future (an input to other tasks,
 * released and freed as usual).
 *
 * Order per handle: a call whose arguments hold futures goes through the scheduler (its inputs may not
 * be ready), and no call goes direct while a call routed that way has not ended, so a direct call never
 * overtakes a routed one. A routed call made after direct ones carries, from the scheduler, the handle's
 * last direct sequence number, and the worker runs it behind that call. When a call fails with
 * ActorLostError the route is forgotten (calls go through the scheduler) until a routed call has run
 * again, which tells where the actor lives now (after a restart elsewhere, say).
 *
 * An answer may name the actor's own endpoint, where its thread serves calls itself (src/worker/
 * actor-server.ts): the calls after it go there, skipping the worker's main thread. The scheduler still
 * knows them as calls on that worker (`direct.worker`); a lost actor forgets the endpoint with the route.
 */
import { randomUUID } from 'node:crypto';
import type { Future } from '../client/future.js';
import { futureState } from '../client/future.js';
import type { PreparedTask, RouteEvents } from '../client/session.js';

/** What the route needs from its session: the direct send, when the session has one, and `whoHas`. */
export interface DirectPort {
  /**
   * Sends `task` straight to the worker at `address` (to the actor's own `endpoint` there, when known);
   * false when it cannot now (too many calls in flight there).
   */
  callActor?: (task: PreparedTask, address: string, events: RouteEvents, endpoint: string | undefined) => boolean;
  whoHas(keys: string[]): Promise<Record<string, string[]>>;
}

export class DirectRoute {
  /** Names this handle's calls for the worker's ordering. */
  readonly handle = randomUUID();
  /** The address of the actor's worker, once known. */
  #address: string | undefined;
  /** The actor's own endpoint on that worker, once an answer named it. */
  #endpoint: string | undefined;
  #locating = false;
  /** Calls sent through the scheduler and not ended: direct calls wait until none is left. */
  #routed = 0;
  /** Direct calls sent so far. */
  #seq = 0;
  readonly #events: RouteEvents = {
    lost: () => {
      this.#address = undefined;
      this.#endpoint = undefined;
    },
    found: (endpoint) => {
      if (this.#address !== undefined) this.#endpoint = endpoint;
    },
  };
  readonly #routedEnded: (future: Future<unknown>) => void;

  constructor(private readonly port: DirectPort, private readonly actorKey: string, private readonly constructed: Future<null>) {
    this.#routedEnded = (future) => {
      this.#routed--;
      if (future.status === 'finished' && this.#address === undefined) this.#locate();
    };
    if (port.callActor) futureState(constructed).whenDone(() => this.#locate());
  }

  /** Sends the call straight to the actor's worker when it may go that way; false: submit it through the scheduler. */
  send(task: PreparedTask): boolean {
    const part = task.actor!;
    part.handle = this.handle;
    const address = this.#address;
    if (address === undefined || this.#routed > 0 || task.encoded.refs.length > 0 || !this.port.callActor) return false;
    part.direct = { worker: address, seq: this.#seq + 1 };
    if (!this.port.callActor(task, address, this.#events, this.#endpoint)) {
      delete part.direct;
      return false;
    }
    this.#seq++;
    return true;
  }

  /** A call of this handle went through the scheduler: later calls wait for it to end before going direct. */
  routed(future: Future<unknown>): void {
    if (!this.port.callActor) return;
    this.#routed++;
    futureState(future).whenDone(() => this.#routedEnded(future));
  }

  /** Asks the scheduler where the actor lives (one question at a time). */
  #locate(): void {
    if (this.#locating || this.constructed.status !== 'finished') return;
    this.#locating = true;
    this.port.whoHas([this.actorKey]).then(
      (holders) => {
        this.#locating = false;
        this.#address = holders[this.actorKey]?.[0];
      },
      () => {
        this.#locating = false; // the client closed: calls go through the scheduler (and fail there)
      },
    );
  }
}
