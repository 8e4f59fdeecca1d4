/**
 * The client's side of direct actor calls (src/actors/direct.ts): calls sent straight to an actor's
 * worker and not answered yet, the bound on them per worker, the worker's answers (settling the futures),
 * and what the scheduler must hear of each call.
 *
 * The scheduler hears of direct calls a little later, batched (at most {@link NOTICE_DELAY_MS} later, or
 * once {@link NOTICE_BATCH} notices wait): each call's spec, then its end, then releases once direct calls
 * are in use. Any other message to the scheduler sends them first (`flush`), so it sees everything in the
 * order it was made, and a task that takes a call's future as input always comes after the call. Under
 * a LocalCluster the scheduler lives in this process: handling these at once would delay the calls, and
 * a call that ended and was released before its notice left needs no scheduler work at all. The worker
 * frees its result when told by this client (`free-direct`), as the scheduler would.
 *
 * A call may go to the actor's own endpoint on that worker (src/worker/actor-server.ts) once an answer
 * named it: the scheduler still knows it as a call on the worker, and its result is freed at the
 * endpoint (which drops it before its worker ever holds it, when soon enough), or at the worker once
 * the endpoint's link was closed (its actor lost).
 */
import type { ClientToScheduler, TaskFinishedReport, TaskSpec, WireError } from '../protocol/messages.js';
import { fromWireError, toWireError } from '../protocol/wire-error.js';
import type { ActorCallAnswer, PeerPool } from '../transport/peer-pool.js';
import { NO_FIELDS } from './future-state.js';
import type { RouteEvents, SessionListener } from './session.js';

/** Direct calls in flight to one worker before more go through the scheduler (a worker takes 4,096 per peer). */
export const DIRECT_CALLS_PER_WORKER = 4_000;
/** The longest the scheduler's notices of direct calls wait here, in milliseconds. */
export const NOTICE_DELAY_MS = 5;
/** Notices that leave at once when this many wait. */
export const NOTICE_BATCH = 2_000;
/** Closed actor endpoints remembered (their results are freed on their workers instead). */
const ABANDONED_KEPT = 1_000;

/** A direct call waiting for its worker's answer. */
interface DirectCall {
  /** The actor's worker (the scheduler's name for where the call runs). */
  readonly address: string;
  /** Where the call went: the worker's data service, or the actor's own endpoint there. */
  readonly target: string;
  readonly events: RouteEvents;
  id: number;
}

/** A direct call the scheduler has not heard of yet, and its end once known. */
interface Notice {
  readonly spec: TaskSpec;
  readonly address: string;
  /** Where the call went (the worker's data service, or the actor's endpoint there): its result is freed there. */
  readonly target: string;
  done?: TaskFinishedReport;
  erred?: Extract<ClientToScheduler, { op: 'actor-erred' }>;
}

/** An error that kept a direct call from its actor, marked as not run (the scheduler settles the call). */
function notRunError(error: Error, key: string): WireError {
  const wire = toWireError(error, key);
  return { ...wire, fields: { ...wire.fields, notRun: true } };
}

export class DirectCalls {
  readonly #calls = new Map<string, DirectCall>();
  readonly #perWorker = new Map<string, number>();
  /** Calls the scheduler has not heard of, in the order made. */
  #notices = new Map<string, Notice>();
  /** Other notices (ends of calls it heard of, releases), in order; they go after the calls. */
  #later: ClientToScheduler[] = [];
  /** Results released before the scheduler heard of them: freed on their workers. */
  #frees = new Map<string, string[]>();
  #timer: NodeJS.Timeout | undefined;
  /** Set by the first direct call: releases wait with the notices. */
  used = false;

  constructor(private readonly peers: PeerPool, private readonly listener: SessionListener, private readonly toScheduler: (message: ClientToScheduler) => void) {}

  /** Actor endpoints whose actor proved lost, with their calls in flight: their links close when none is left. */
  readonly #staleEndpoints = new Set<string>();
  /** Calls in flight per actor endpoint. */
  readonly #perEndpoint = new Map<string, number>();
  /** Actor endpoints whose link was closed (bounded: the oldest are forgotten). */
  readonly #abandoned = new Set<string>();

  /**
   * Sends the call `spec` to the worker at `address`, to the actor's own `endpoint` there when given;
   * false when too many are in flight there.
   */
  call(spec: TaskSpec, address: string, events: RouteEvents, endpoint?: string): boolean {
    const inFlight = this.#perWorker.get(address) ?? 0;
    if (inFlight >= DIRECT_CALLS_PER_WORKER) return false;
    this.used = true;
    const target = endpoint ?? address;
    this.#notices.set(spec.key, { spec, address, target });
    this.#schedule();
    this.#perWorker.set(address, inFlight + 1);
    const call: DirectCall = { address, target, events, id: 0 };
    this.#calls.set(spec.key, call);
    if (endpoint !== undefined) this.#perEndpoint.set(endpoint, (this.#perEndpoint.get(endpoint) ?? 0) + 1);
    call.id = this.peers.callActor(target, { key: spec.key, fn: spec.fn, args: spec.args, actor: spec.actor! }, (answer) => this.#answered(spec.key, call, answer));
    return true;
  }

  /** The scheduler settled `key` (a direct call whose worker died, or that went another way): its route is stale. */
  settledByScheduler(key: string): void {
    if (this.#calls.size === 0) return;
    const call = this.#calls.get(key);
    if (!call) return;
    this.#lost(call);
    this.#end(key, call);
  }

  /** The route of `call` proved stale: forgotten, and the actor's endpoint link closed once idle. */
  #lost(call: DirectCall): void {
    call.events.lost();
    if (call.target === call.address) return;
    if ((this.#perEndpoint.get(call.target) ?? 0) > 0) this.#staleEndpoints.add(call.target);
    else this.#abandon(call.target);
  }

  #abandon(endpoint: string): void {
    this.peers.abandon(endpoint, 'its actor is lost');
    this.#abandoned.add(endpoint);
    if (this.#abandoned.size > ABANDONED_KEPT) this.#abandoned.delete(this.#abandoned.values().next().value!);
  }

  /** The client let go of `keys`: calls that ended before the scheduler heard of them are dropped here. */
  release(keys: string[]): void {
    const rest: string[] = [];
    for (const key of keys) {
      const notice = this.#notices.get(key);
      if (notice && (notice.done || (notice.erred && notice.erred.error.fields?.notRun !== true))) {
        this.#notices.delete(key);
        if (notice.done) {
          // An actor's endpoint frees what it has not handed to its worker yet at no cost to the worker; once closed, the worker frees.
          const where = this.#abandoned.has(notice.target) ? notice.address : notice.target;
          const frees = this.#frees.get(where);
          if (frees) frees.push(key);
          else this.#frees.set(where, [key]);
        }
      } else {
        rest.push(key);
      }
    }
    if (rest.length > 0) this.#queue({ op: 'release', keys: rest });
  }

  /** Sends what waits for the scheduler (and the frees for the workers) now. */
  readonly flush = (): void => {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#frees.size > 0) {
      for (const [address, keys] of this.#frees) this.peers.freeDirect(address, keys);
      this.#frees = new Map();
    }
    if (this.#notices.size === 0 && this.#later.length === 0) return;
    const notices = this.#notices;
    const later = this.#later;
    this.#notices = new Map();
    this.#later = [];
    if (notices.size > 0) {
      this.toScheduler({ op: 'submit', tasks: [...notices.values()].map((n) => n.spec) });
      const done = new Map<string, TaskFinishedReport[]>();
      for (const notice of notices.values()) {
        if (notice.done) {
          const reports = done.get(notice.address);
          if (reports) reports.push(notice.done);
          else done.set(notice.address, [notice.done]);
        } else if (notice.erred) {
          this.toScheduler(notice.erred);
        }
      }
      for (const [worker, reports] of done) this.toScheduler({ op: 'actor-done', worker, reports });
    }
    for (const message of later) this.toScheduler(message);
  };

  #queue(message: ClientToScheduler): void {
    const last = this.#later[this.#later.length - 1];
    if (last?.op === 'actor-done' && message.op === 'actor-done' && last.worker === message.worker) last.reports.push(...message.reports);
    else if (last?.op === 'release' && message.op === 'release') last.keys.push(...message.keys);
    else this.#later.push(message);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#notices.size + this.#later.length >= NOTICE_BATCH) {
      this.flush();
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(this.flush, NOTICE_DELAY_MS);
    this.#timer.unref();
  }

  /** The end of a call, for the scheduler: kept with its notice when that has not left yet. */
  #ended(key: string, address: string, outcome: { done: TaskFinishedReport } | { erred: Extract<ClientToScheduler, { op: 'actor-erred' }> }): void {
    const notice = this.#notices.get(key);
    if (notice) {
      if ('done' in outcome) notice.done = outcome.done;
      else notice.erred = outcome.erred;
      return;
    }
    this.#queue('done' in outcome ? { op: 'actor-done', worker: address, reports: [outcome.done] } : outcome.erred);
  }

  /** The worker answered a direct call (or its link failed). */
  #answered(key: string, call: DirectCall, answer: ActorCallAnswer): void {
    if (this.#calls.get(key) !== call) return;
    this.#end(key, call);
    const address = call.address;
    if (answer instanceof Error) {
      // It never reached the actor (the link failed, or the worker refused it): the scheduler runs it.
      this.#lost(call);
      this.#ended(key, address, { erred: { op: 'actor-erred', worker: address, key, error: notRunError(answer, key), duration: 0 } });
      return;
    }
    if (answer.endpoint !== undefined && call.target === address) call.events.found(answer.endpoint);
    if (answer.report) {
      const { value, ...report } = answer.report;
      this.#ended(key, address, { done: report });
      this.listener.finished(key, report.nbytes, value ? { wire: value } : NO_FIELDS);
      return;
    }
    const error = answer.error ?? { name: 'ProtocolError', code: 'PROTOCOL', key, message: `worker ${address} answered ${key} with neither a value nor an error` };
    this.#ended(key, address, { erred: { op: 'actor-erred', worker: address, key, error, duration: 0 } });
    if (error.code === 'ACTOR_LOST' || error.fields?.notRun === true) this.#lost(call);
    // Not run there (its actor is elsewhere, or the scheduler took it back): the scheduler settles it.
    if (error.fields?.notRun !== true) this.listener.erred(key, fromWireError(error));
  }

  #end(key: string, call: DirectCall): void {
    this.#calls.delete(key);
    this.peers.forget(call.id);
    const left = (this.#perWorker.get(call.address) ?? 1) - 1;
    if (left <= 0) this.#perWorker.delete(call.address);
    else this.#perWorker.set(call.address, left);
    if (call.target === call.address) return;
    const onEndpoint = (this.#perEndpoint.get(call.target) ?? 1) - 1;
    if (onEndpoint > 0) {
      this.#perEndpoint.set(call.target, onEndpoint);
      return;
    }
    this.#perEndpoint.delete(call.target);
    if (this.#staleEndpoints.delete(call.target)) this.#abandon(call.target);
  }
}
