/**
 * The actors this worker hosts, as part of its task state (task-state.ts): each lives on a thread of
 * its own, opened when its construction is ready to run and ended when the scheduler frees it. Its
 * calls run on that thread in the order the scheduler sent them: a call whose inputs are still being
 * fetched holds back the calls behind it. When an actor's thread ends under it (a crash in a method),
 * its unfinished calls fail with ActorLostError and the scheduler is told (`actor-lost`), so it can
 * restart the actor elsewhere or fail the calls waiting for it.
 *
 * Like the rest of the state it decides and does not do: threads are opened and tasks sent through
 * `TaskThreads` and the `ActorHost` the state gives it.
 */
import type { WireError } from '../../protocol/messages.js';
import type { LocalTask, TaskStateMessage, TaskThreads } from './types.js';

/** What hosting needs from the task state. */
export interface ActorHost {
  /** Sends `task` to thread `index`; false when that thread is gone. */
  dispatch(task: LocalTask, index: number): boolean;
  /** Fails `task` with `error` (reported to the scheduler). */
  fail(task: LocalTask, error: WireError): void;
  /** Whether `task` is still one the state holds (not cancelled or failed meanwhile). */
  holds(task: LocalTask): boolean;
  send(message: TaskStateMessage): void;
}

/** Reasons kept for actors that ended here, so a late call says why (bounded). */
const GONE_LIMIT = 1_000;

export class HostedActors {
  /** Actor key → the index of its thread. */
  readonly #threads = new Map<string, number>();
  /** Actor key → its calls accepted here and not yet sent to its thread, in arrival order. */
  readonly #lines = new Map<string, LocalTask[]>();
  readonly #gone = new Map<string, string>();

  constructor(private readonly threads: TaskThreads, private readonly host: ActorHost) {}

  /** Actors living here now. */
  get size(): number {
    return this.#threads.size;
  }

  /** A task of an actor was accepted: a call takes its place in its actor's line. */
  accepted(task: LocalTask): void {
    const part = task.order.actor!;
    if (part.kind === 'create') return;
    let line = this.#lines.get(part.actor);
    if (!line) this.#lines.set(part.actor, (line = []));
    line.push(task);
  }

  /** A task of an actor has all its inputs: a construction gets its thread, a call waits for its turn. */
  ready(task: LocalTask): void {
    const part = task.order.actor!;
    if (part.kind === 'create') {
      const previous = this.#threads.get(part.actor);
      if (previous !== undefined) this.threads.closeActorThread(previous);
      const index = this.threads.openActorThread(part.actor);
      this.#threads.set(part.actor, index);
      this.#gone.delete(part.actor);
      if (!this.host.dispatch(task, index)) this.host.fail(task, this.#lostError(part.actor, task.order.key));
      return;
    }
    this.#drain(part.actor);
  }

  /** Sends the calls at the head of an actor's line that are ready, in order. */
  #drain(actor: string): void {
    const line = this.#lines.get(actor);
    if (!line) return;
    while (line.length > 0) {
      const task = line[0]!;
      if (!this.host.holds(task)) {
        line.shift();
        continue;
      }
      if (task.state !== 'ready') break;
      line.shift();
      const index = this.#threads.get(actor);
      if (index === undefined || !this.host.dispatch(task, index)) this.host.fail(task, this.#lostError(actor, task.order.key));
    }
    if (line.length === 0) this.#lines.delete(actor);
  }

  /** The scheduler freed `key`: when it is an actor living here, its thread ends. */
  freed(key: string): void {
    const index = this.#threads.get(key);
    if (index === undefined) return;
    this.#threads.delete(key);
    this.#remember(key, 'it was released');
    this.threads.closeActorThread(index);
    this.#failLine(key);
  }

  /** An actor's thread ended under it: its waiting calls fail, and the scheduler hears of it. */
  threadEnded(actor: string, reason: string): void {
    if (!this.#threads.has(actor)) return;
    this.#threads.delete(actor);
    this.#remember(actor, `its thread ended (${reason})`);
    this.#failLine(actor);
    this.host.send({ op: 'actor-lost', key: actor, reason });
  }

  /** Every actor ends (the worker dropped all its tasks). */
  reset(): void {
    for (const index of this.#threads.values()) this.threads.closeActorThread(index);
    this.#threads.clear();
    this.#lines.clear();
  }

  /** The error of a call on actor `actor`, which does not live here. */
  lostError(actor: string, key: string): WireError {
    return this.#lostError(actor, key);
  }

  #failLine(actor: string): void {
    const line = this.#lines.get(actor);
    this.#lines.delete(actor);
    for (const task of line ?? []) if (this.host.holds(task)) this.host.fail(task, this.#lostError(actor, task.order.key));
  }

  #remember(actor: string, why: string): void {
    this.#gone.set(actor, why);
    if (this.#gone.size > GONE_LIMIT) this.#gone.delete(this.#gone.keys().next().value!);
  }

  #lostError(actor: string, key: string): WireError {
    const why = this.#gone.get(actor) ?? 'it does not live on this worker';
    return {
      name: 'ActorLostError', code: 'ACTOR_LOST', key, fields: { actor },
      message: `${key} did not run: actor ${actor} is lost: ${why}. Create a new actor, or give submitActor a maxRestarts to construct it again when it is lost.`,
    };
  }
}
