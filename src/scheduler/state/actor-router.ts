/**
 * Actors on the scheduler. An actor is the task that constructs it (`create`): it is placed on one
 * worker like any task (restrictions, resources), and from then on it lives there, on a thread of its
 * own. Its method calls and attribute reads are tasks too, so their futures are ordinary futures (other
 * tasks may take them as inputs), but they skip the ready queue: this router sends them to the actor's
 * worker strictly in the order they were submitted. A call whose inputs are not ready holds back the
 * calls behind it. Calls and the actor itself count as long-running (they use the actor's thread, not
 * the worker's task threads), so they never fill a worker's task capacity.
 *
 * When the actor's worker dies (or its thread does), calls sent there fail with ActorLostError; the
 * actor is constructed again on another worker while it has restarts left (`maxRestarts`), else it
 * fails, and so do the calls waiting for it.
 *
 * A call the client sent straight to the actor's worker (`direct`, see src/actors/direct.ts) is only
 * recorded: it skips the line and is marked processing on that worker at once (no compute order goes
 * out), or fails with ActorLostError when the actor no longer lives there; the client reports its end.
 * A call sent through here after a direct call of the same handle carries `after` (the handle's last
 * direct sequence number on that worker), so the worker runs it behind that call.
 *
 * A direct call whose spec arrives after its actor left the worker the client sent it to (its thread
 * ended, say, with the call on it) may have run there or not: only the client's report of the worker's
 * answer tells. Such a call is held, out of the line, until that report: `notRun` sends it through the
 * line, an error or a result settles it. Sending it through the line at once would run it twice. When
 * that worker is gone (or goes) no report may come: the call goes through the line.
 *
 * An actor holds the `resources` it was placed with on its worker while it lives there (as Dask's
 * actors do): tasks needing them go to other workers, or wait until the actor is released or lost.
 *
 * Pure state like the rest of `state/`: it decides through the engine's transitions and owns no I/O.
 */
import type { WireError } from '../../protocol/messages.js';
import { decideWorker } from './assignment.js';
import type { TransitionArgs } from './transitions.js';
import type { TaskRecord, TaskStateName, WorkerRecord } from './types.js';

/** What the router needs from the transition engine. */
export interface ActorEngine {
  readonly workers: ReadonlyMap<string, WorkerRecord>;
  transition(task: TaskRecord, to: TaskStateName, args: TransitionArgs): void;
  recommend(task: TaskRecord, to: TaskStateName, args?: TransitionArgs): void;
  /** No running worker may take `task`: tell the clients waiting on it (once per kind of reason). */
  noWorker(task: TaskRecord, running: readonly WorkerRecord[]): void;
}

interface ActorRecord {
  /** The task that constructs the actor; its key is the actor's key. */
  readonly task: TaskRecord;
  /** Where the actor was constructed (set when its `create` task is sent there). */
  worker: WorkerRecord | undefined;
  restartsLeft: number;
  /** Calls submitted and not yet sent to the actor's worker, oldest first, from `head` on. */
  calls: TaskRecord[];
  head: number;
  /** The calls in `calls` from `head` on. */
  readonly inLine: Set<TaskRecord>;
  /** Handle → its last direct call recorded: the worker's address and the call's sequence number. */
  readonly lastDirect: Map<string, { worker: string; seq: number }>;
}

/** True for the tasks of an actor: its construction, its calls and attribute reads. */
export function isActorTask(task: TaskRecord): boolean {
  return task.spec?.actor !== undefined;
}

/** True for an actor's calls and attribute reads (not its construction). */
export function isActorCall(task: TaskRecord): boolean {
  const part = task.spec?.actor;
  return part !== undefined && part.kind !== 'create';
}

/** Calls left behind a sent one before the array of calls is compacted. */
const COMPACT_AFTER = 1_024;

export class ActorRouter {
  readonly #actors = new Map<string, ActorRecord>();
  /** Actors with a `create` task to place or calls to send. */
  readonly #pending = new Set<ActorRecord>();
  /** Direct calls queued and not recorded as processing yet. */
  #direct: TaskRecord[] = [];
  /** Direct calls recorded once: run again (client.retry), they go through the line. */
  readonly #recorded = new WeakSet<TaskRecord>();
  /** Direct calls held until their client reports what the worker did with them (see above). */
  readonly #held = new Set<TaskRecord>();
  #rotation = 0;

  /** Whether an actor waits to be placed or calls wait to be sent or recorded (the engine's `assign` moves them). */
  get hasWork(): boolean {
    return this.#pending.size > 0 || this.#direct.length > 0;
  }

  /** Actors known now (for tests and diagnostics). */
  get size(): number {
    return this.#actors.size;
  }

  /** A task of an actor entered the graph: a new actor, or a call to queue behind the earlier ones. */
  submitted(task: TaskRecord, workers: ReadonlyMap<string, WorkerRecord>): void {
    const part = task.spec!.actor!;
    if (part.kind === 'create') {
      if (!this.#actors.has(task.key)) {
        this.#actors.set(task.key, { task, worker: undefined, restartsLeft: Math.max(0, part.maxRestarts ?? 0), calls: [], head: 0, inLine: new Set(), lastDirect: new Map() });
      }
      return;
    }
    // An unknown actor: the call fails on its missing input (submitTasks says so).
    const actor = this.#actors.get(part.actor);
    if (!actor) return;
    if (part.direct) {
      // The client sent it where the actor lived; when it is not there now, it waits for the client's
      // report of what that worker did with it.
      if (actor.task.state === 'memory' && actor.worker?.info.address === part.direct.worker) return;
      if (workerAtAddress(workers, part.direct.worker)) {
        this.#held.add(task);
        return;
      }
      delete part.direct;
    }
    actor.calls.push(task);
    actor.inLine.add(task);
    this.#pending.add(actor);
  }

  /** A task of an actor is queued (its inputs are ready): it waits here for its turn, not in the ready queue. */
  queued(task: TaskRecord): void {
    const part = task.spec!.actor!;
    const actor = this.#actors.get(part.actor);
    if (!actor) return;
    if (part.direct) {
      if (this.#held.has(task)) return;
      if (!this.#recorded.has(task)) {
        this.#direct.push(task);
        return;
      }
      delete part.direct; // run again: through the line like any call
    }
    // A call run again (client.retry) goes to the back of the line.
    if (task !== actor.task && !actor.inLine.has(task)) {
      actor.calls.push(task);
      actor.inLine.add(task);
    }
    this.#pending.add(actor);
  }

  /** Whether `task` is a direct call held until its client's report (see above). */
  isHeld(task: TaskRecord): boolean {
    return this.#held.has(task);
  }

  /**
   * The client reports the end of held direct call `task`. `notRun`: the worker did not take it, so it
   * goes through the line. An error fails it. A result: the call ran on the worker at its `direct`
   * address (`worker`, still there) and is marked processing there, for the report to finish it; with
   * that worker gone, so is the result, and the call fails as the calls running there did.
   */
  settleHeld(engine: ActorEngine, task: TaskRecord, outcome: { notRun: true } | { error: WireError } | { doneOn: WorkerRecord | undefined }): void {
    if (!this.#held.delete(task)) return;
    const part = task.spec!.actor!;
    if ('notRun' in outcome) {
      delete part.direct;
      if (task.state === 'queued') this.queued(task);
      return;
    }
    if (task.state !== 'waiting' && task.state !== 'queued') return;
    if ('error' in outcome) {
      engine.recommend(task, 'erred', { error: outcome.error });
      return;
    }
    const worker = outcome.doneOn;
    if (!worker) {
      engine.recommend(task, 'erred', { error: lostError(part.actor, `${task.key} ran on worker ${part.direct?.worker}, which has left since, with its result`) });
      return;
    }
    task.waitingOn.clear();
    engine.transition(task, 'processing', { worker });
    worker.longRunning.add(task.key);
  }

  /** A task of an actor was forgotten; its `create` task: the actor is gone (its worker was told to free it). */
  forgotten(task: TaskRecord): void {
    if (task.spec!.actor!.kind !== 'create') {
      this.#held.delete(task);
      return;
    }
    const actor = this.#actors.get(task.key);
    if (actor?.task !== task) return;
    this.#leave(actor);
    this.#actors.delete(task.key);
    this.#pending.delete(actor);
  }

  /**
   * Places queued actors and sends queued calls to their actors' workers, in submission order. Returns
   * true when it moved any task (the engine then runs the recommendations that made).
   */
  assign(engine: ActorEngine): boolean {
    let moved = this.#direct.length > 0 && this.#recordDirect(engine);
    for (const actor of this.#pending) {
      const create = actor.task;
      if (create.state === 'forgotten') {
        this.#pending.delete(actor);
        continue;
      }
      if (create.state === 'queued') {
        moved = this.#place(engine, actor) || moved;
        continue;
      }
      const worker = actor.worker;
      // Calls wait while the actor is being constructed (or constructed again).
      if (create.state !== 'memory' || !worker || worker.status !== 'running') continue;
      while (actor.head < actor.calls.length) {
        const call = actor.calls[actor.head]!;
        // Keeps the order: the calls behind one whose inputs are not ready wait for it.
        if (call.state === 'waiting' || call.state === 'released') break;
        actor.head++;
        actor.inLine.delete(call);
        if (call.state !== 'queued') continue; // erred, cancelled or forgotten before its turn
        const part = call.spec!.actor!;
        const last = part.handle !== undefined ? actor.lastDirect.get(part.handle) : undefined;
        if (last && last.worker === worker.info.address) part.after = last.seq;
        else delete part.after;
        engine.transition(call, 'processing', { worker });
        worker.longRunning.add(call.key);
        moved = true;
      }
      if (actor.head === actor.calls.length) {
        actor.calls = [];
        actor.head = 0;
        this.#pending.delete(actor);
      } else if (actor.head > COMPACT_AFTER) {
        actor.calls = actor.calls.slice(actor.head);
        actor.head = 0;
      }
    }
    return moved;
  }

  /** Marks the queued direct calls processing on their workers, or fails those whose actor is not there. */
  #recordDirect(engine: ActorEngine): boolean {
    const calls = this.#direct;
    this.#direct = [];
    for (const call of calls) {
      if (call.state !== 'queued') continue;
      const part = call.spec!.actor!;
      const actor = this.#actors.get(part.actor);
      const worker = actor?.worker;
      const direct = part.direct!;
      this.#recorded.add(call);
      if (!actor) continue;
      if (!worker || actor.task.state !== 'memory' || worker.status !== 'running' || worker.info.address !== direct.worker) {
        // Moved meanwhile: held, or through the line, as in `submitted`.
        if (workerAtAddress(engine.workers, direct.worker)) {
          this.#recorded.delete(call);
          this.#held.add(call);
          continue;
        }
        delete part.direct;
        actor.calls.push(call);
        actor.inLine.add(call);
        this.#pending.add(actor);
        continue;
      }
      if (part.handle !== undefined) actor.lastDirect.set(part.handle, { worker: direct.worker, seq: direct.seq });
      engine.transition(call, 'processing', { worker });
      worker.longRunning.add(call.key);
    }
    return true;
  }

  /** Sends a queued `create` task to the running worker with the fewest actors that may run it. */
  #place(engine: ActorEngine, actor: ActorRecord): boolean {
    const running = [...engine.workers.values()].filter((w) => w.status === 'running');
    const actorsOn = new Map<WorkerRecord, number>();
    for (const other of this.#actors.values()) if (other.worker) actorsOn.set(other.worker, (actorsOn.get(other.worker) ?? 0) + 1);
    const fewest = Math.min(...running.map((w) => actorsOn.get(w) ?? 0));
    const least = running.filter((w) => (actorsOn.get(w) ?? 0) === fewest);
    const worker = decideWorker(actor.task, least, this.#rotation) ?? decideWorker(actor.task, running, this.#rotation);
    this.#rotation++;
    if (!worker) {
      engine.noWorker(actor.task, running);
      return false;
    }
    engine.transition(actor.task, 'processing', { worker });
    worker.longRunning.add(actor.task.key);
    actor.worker = worker;
    this.#hold(actor, worker, 1);
    return true;
  }

  /** Counts (`sign` 1) or gives back (-1) the actor's resources on `worker`. */
  #hold(actor: ActorRecord, worker: WorkerRecord, sign: 1 | -1): void {
    const resources = actor.task.spec?.restrictions?.resources;
    if (!resources) return;
    const held = (worker.actorResources ??= new Map());
    for (const [name, amount] of Object.entries(resources)) {
      const left = (held.get(name) ?? 0) + sign * amount;
      if (left > 0) held.set(name, left);
      else held.delete(name);
    }
  }

  /** The actor no longer lives on its worker: its resources there are free. */
  #leave(actor: ActorRecord): void {
    if (actor.worker) this.#hold(actor, actor.worker, -1);
    actor.worker = undefined;
  }

  /**
   * `worker` left or died. `processing` is what was running on it when it did (its actor tasks among
   * them): those calls fail, and each actor that lived there restarts or fails. Runs after the
   * membership's own recommendations for the worker's tasks, and overrides them for actor tasks.
   */
  workerLost(engine: ActorEngine, worker: WorkerRecord, processing: readonly TaskRecord[], reason: string): void {
    const why = `its worker ${worker.id} left (${reason})`;
    for (const task of processing) {
      const part = task.spec?.actor;
      if (!part || part.kind === 'create' || task.state !== 'processing') continue;
      engine.recommend(task, 'erred', { error: lostError(part.actor, `${task.key} did not finish: actor ${part.actor} is lost: ${why}`) });
    }
    for (const actor of this.#actors.values()) if (actor.worker === worker) this.#lose(engine, actor, why);
    for (const task of this.#held) if (task.spec!.actor!.direct?.worker === worker.info.address) this.settleHeld(engine, task, { notRun: true });
  }

  /** The thread of actor `key` ended on `worker`, which lives on: the actor is gone there. */
  threadLost(engine: ActorEngine, worker: WorkerRecord, key: string, reason: string): void {
    const actor = this.#actors.get(key);
    if (!actor || actor.worker !== worker) return;
    this.#lose(engine, actor, `its thread on worker ${worker.id} ended (${reason})`);
  }

  /** The actor is gone from its worker: it is constructed again elsewhere, or fails (and so do calls waiting for it). */
  #lose(engine: ActorEngine, actor: ActorRecord, why: string): void {
    this.#leave(actor);
    actor.lastDirect.clear();
    const create = actor.task;
    if (create.state !== 'memory' && create.state !== 'processing') return;
    if (actor.restartsLeft > 0) {
      actor.restartsLeft--;
      engine.recommend(create, 'released');
      this.#pending.add(actor);
      return;
    }
    const restarts = create.spec?.actor?.maxRestarts ?? 0;
    engine.recommend(create, 'erred', {
      error: lostError(create.key,
        `actor ${create.key} is lost: ${why}; ${restarts === 0 ? 'it may not be restarted (maxRestarts: 0)' : `it was restarted ${restarts} time(s), its maxRestarts`}. ` +
        'Calls made on it fail. Create a new actor, or give submitActor a higher maxRestarts to construct it again on another worker (its state then starts anew).'),
    });
  }
}

/** The worker not removed that listens at `address`, if any. */
export function workerAtAddress(workers: ReadonlyMap<string, WorkerRecord>, address: string): WorkerRecord | undefined {
  for (const worker of workers.values()) if (worker.info.address === address && worker.status !== 'removed') return worker;
  return undefined;
}

/** An ActorLostError as it travels. */
function lostError(actor: string, message: string): WireError {
  return { name: 'ActorLostError', code: 'ACTOR_LOST', message, key: actor, fields: { actor } };
}
