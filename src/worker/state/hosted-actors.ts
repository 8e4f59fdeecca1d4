/**
 * The actors this worker hosts, as part of its task state (task-state.ts): each lives on a thread of
 * its own, opened when its construction is ready to run and ended when the scheduler frees it. Its
 * calls run on that thread in the order the scheduler sent them: a call whose inputs are still being
 * fetched holds back the calls behind it. When an actor's thread ends under it (a crash in a method),
 * its unfinished calls fail with ActorLostError and the scheduler is told (`actor-lost`), so it can
 * restart the actor elsewhere or fail the calls waiting for it.
 *
 * Calls a client sent straight here (direct calls, see direct-calls.ts) join the line as they arrive. A
 * call the scheduler sent that must follow a direct call of the same handle (`after`) is parked on the
 * actor's thread until that direct call has arrived there (src/worker/actor-order.ts): only the thread
 * sees every direct call, since those sent to the actor's own endpoint never pass through here.
 *
 * Like the rest of the state it decides and does not do: threads are opened and tasks sent through
 * `TaskThreads` and the `ActorHost` the state gives it.
 */
import type { WireError } from '../../protocol/messages.js';
import type { LocalTask, TaskStateMessage, TaskThreads } from './types.js';

/** What hosting needs from the task state. */
export interface ActorHost {
  /** Sends `tasks` to thread `index`, all or none; false when that thread is gone or its queue is full. */
  dispatch(tasks: LocalTask[], index: number): boolean;
  /** Fails `task` with `error` (reported to the scheduler). */
  fail(task: LocalTask, error: WireError): void;
  /** Whether `task` is still one the state holds (not cancelled or failed meanwhile). */
  holds(task: LocalTask): boolean;
  send(message: TaskStateMessage): void;
}

/** Calls sent to an actor's thread in one message at most. */
const DISPATCH_BATCH = 256;

/** Reasons kept for actors that ended here, so a late call says why (bounded). */
const GONE_LIMIT = 1_000;

export class HostedActors {
  /** Actor key → the index of its thread. */
  readonly #threads = new Map<string, number>();
  /** Actor key → its calls accepted here and not yet sent to its thread, in arrival order. */
  readonly #lines = new Map<string, LocalTask[]>();
  readonly #gone = new Map<string, string>();
  /** Actors whose thread's queue was full: their lines wait for a call to end (see `callEnded`). */
  readonly #full = new Set<string>();

  constructor(private readonly threads: TaskThreads, private readonly host: ActorHost) {}

  /** Actors living here now. */
  get size(): number {
    return this.#threads.size;
  }

  /** Whether actor `actor` lives here now. */
  hosts(actor: string): boolean {
    return this.#threads.has(actor);
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
      if (!this.host.dispatch([task], index)) this.host.fail(task, this.#lostError(part.actor, task.order.key));
      return;
    }
    this.#drain(part.actor);
  }

  /**
   * Sends the calls at the head of an actor's line that are ready, in order, in batches. When the
   * actor's thread has no room for more (its queue is full), they wait here until one of its calls ends.
   */
  #drain(actor: string): void {
    const line = this.#lines.get(actor);
    if (!line) return;
    const index = this.#threads.get(actor);
    let taken = 0;
    while (taken < line.length) {
      const batch: LocalTask[] = [];
      let end = taken;
      for (; end < line.length && batch.length < DISPATCH_BATCH; end++) {
        const task = line[end]!;
        if (!this.host.holds(task)) continue;
        if (task.state !== 'ready') break;
        batch.push(task);
      }
      if (batch.length > 0) {
        if (index === undefined) {
          for (const task of batch) this.host.fail(task, this.#lostError(actor, task.order.key));
        } else if (!this.host.dispatch(batch, index)) {
          this.#full.add(actor);
          break;
        }
      }
      taken = end;
      if (end < line.length && line[end]!.state !== 'ready' && this.host.holds(line[end]!)) break;
    }
    if (taken === line.length) this.#lines.delete(actor);
    else if (taken > 0) line.splice(0, taken);
  }

  /** A call of `actor` ended on its thread: calls waiting for room there go on. */
  callEnded(actor: string): void {
    if (this.#full.delete(actor)) this.#drain(actor);
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
    this.#full.clear();
  }

  /** The error of a call on actor `actor`, which does not live here. */
  lostError(actor: string, key: string): WireError {
    return this.#lostError(actor, key);
  }

  #failLine(actor: string): void {
    const line = this.#lines.get(actor) ?? [];
    this.#lines.delete(actor);
    this.#full.delete(actor);
    for (const task of line) if (this.host.holds(task)) this.host.fail(task, this.#lostError(actor, task.order.key));
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
