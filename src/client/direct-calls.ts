/**
 * The client's side of direct actor calls (src/actors/direct.ts): calls sent straight to an actor's
 * worker and not answered yet, the bound on them per worker, the worker's answers (settling the futures),
 * and what the scheduler must hear of each call. Those notices (the call's spec, its end, and releases
 * once direct calls are in use) wait for the next turn of the event loop: under a LocalCluster the
 * scheduler lives in this process, and handling them in this turn would delay the call itself. Any other
 * message to the scheduler sends them first (`flush`), so it sees everything in the order it was made.
 */
import type { ClientToScheduler, TaskSpec, WireError } from '../protocol/messages.js';
import { fromWireError, toWireError } from '../protocol/wire-error.js';
import type { ActorCallAnswer, PeerPool } from '../transport/peer-pool.js';
import { NO_FIELDS } from './future-state.js';
import type { SessionListener } from './session.js';

/** Direct calls in flight to one worker before more go through the scheduler (a worker takes 4,096 per peer). */
export const DIRECT_CALLS_PER_WORKER = 4_000;

/** A direct call waiting for its worker's answer. */
interface DirectCall {
  readonly address: string;
  readonly lost: () => void;
  id: number;
}

/** An error that kept a direct call from its actor, marked as not run (the scheduler settles the call). */
function notRunError(error: Error, key: string): WireError {
  const wire = toWireError(error, key);
  return { ...wire, fields: { ...wire.fields, notRun: true } };
}

export class DirectCalls {
  readonly #calls = new Map<string, DirectCall>();
  readonly #perWorker = new Map<string, number>();
  #later: ClientToScheduler[] = [];
  #scheduled = false;
  /** Set by the first direct call: releases wait for the next turn too. */
  used = false;

  constructor(private readonly peers: PeerPool, private readonly listener: SessionListener, private readonly toScheduler: (message: ClientToScheduler) => void) {}

  /** Sends the call `spec` to the worker at `address`; false when too many are in flight there. */
  call(spec: TaskSpec, address: string, lost: () => void): boolean {
    const inFlight = this.#perWorker.get(address) ?? 0;
    if (inFlight >= DIRECT_CALLS_PER_WORKER) return false;
    // The scheduler hears of the call before any task that takes its future as input.
    this.later({ op: 'submit', tasks: [spec] });
    this.used = true;
    this.#perWorker.set(address, inFlight + 1);
    const call: DirectCall = { address, lost, id: 0 };
    this.#calls.set(spec.key, call);
    call.id = this.peers.callActor(address, { key: spec.key, fn: spec.fn, args: spec.args, actor: spec.actor! }, (answer) => this.#answered(spec.key, call, answer));
    return true;
  }

  /** The scheduler settled `key` (a direct call whose worker died, or that went another way): its route is stale. */
  settledByScheduler(key: string): void {
    if (this.#calls.size === 0) return;
    const call = this.#calls.get(key);
    if (!call) return;
    this.#end(key, call);
    call.lost();
  }

  /** Queues `message` for the scheduler until the next turn (merged with the one before when alike). */
  later(message: ClientToScheduler): void {
    const last = this.#later[this.#later.length - 1];
    if (last?.op === 'actor-done' && message.op === 'actor-done' && last.worker === message.worker) last.reports.push(...message.reports);
    else if (last?.op === 'release' && message.op === 'release') last.keys.push(...message.keys);
    else if (last?.op === 'submit' && message.op === 'submit') last.tasks.push(...message.tasks);
    else this.#later.push(message);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.flush);
  }

  /** Sends the queued notices now. */
  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#later.length === 0) return;
    const later = this.#later;
    this.#later = [];
    for (const message of later) this.toScheduler(message);
  };

  /** The worker answered a direct call (or its link failed). */
  #answered(key: string, call: DirectCall, answer: ActorCallAnswer): void {
    if (this.#calls.get(key) !== call) return;
    this.#end(key, call);
    if (answer instanceof Error) {
      // It never reached the actor (the link failed, or the worker refused it): the scheduler runs it.
      call.lost();
      this.later({ op: 'actor-erred', worker: call.address, key, error: notRunError(answer, key), duration: 0 });
      return;
    }
    if (answer.report) {
      const { value, ...report } = answer.report;
      this.listener.finished(key, report.nbytes, value ? { wire: value } : NO_FIELDS);
      this.later({ op: 'actor-done', worker: call.address, reports: [report] });
      return;
    }
    const error = answer.error ?? { name: 'ProtocolError', code: 'PROTOCOL', key, message: `worker ${call.address} answered ${key} with neither a value nor an error` };
    this.later({ op: 'actor-erred', worker: call.address, key, error, duration: 0 });
    if (error.code === 'ACTOR_LOST' || error.fields?.notRun === true) call.lost();
    // Not run there (its actor is elsewhere, or the scheduler took it back): the scheduler settles it.
    if (error.fields?.notRun !== true) this.listener.erred(key, fromWireError(error));
  }

  #end(key: string, call: DirectCall): void {
    this.#calls.delete(key);
    this.peers.forget(call.id);
    const left = (this.#perWorker.get(call.address) ?? 1) - 1;
    if (left <= 0) this.#perWorker.delete(call.address);
    else this.#perWorker.set(call.address, left);
  }
}
