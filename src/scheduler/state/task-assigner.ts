/**
 * Sending tasks to workers: the pass that moves queued tasks to workers with room, in priority order
 * (a full worker gives back a lower-priority task it has not started for a higher one), early
 * assignment of a task to the worker computing all its missing inputs while that worker has room,
 * and the compute order itself. The policy (capacity, where a task starts soonest) is assignment.ts;
 * this is the engine's part that applies it, apart from the transition loop (engine.ts).
 */
import type { ComputeOrder, DepLocation, FunctionSource, SchedulerToClient, SchedulerToWorker } from '../../protocol/messages.js';
import { emptyList } from '../../util/empty.js';
import { isActorTask } from './actor-router.js';
import { decideWorker, expectedMicros, heldBy, refillMark, satisfiesRestrictions, taskToDisplace, workerCapacity, type DurationStats } from './assignment.js';
import type { MessageMerger } from './message-merger.js';
import type { ReadyQueue } from './ready-queue.js';
import type { TransitionArgs } from './transitions.js';
import type { TurnBudget } from './turn-budget.js';
import type { ClientRecord, TaskRecord, TaskStateName, WorkerRecord } from './types.js';
import { clientsWaitingOn, type UnrunnableReports } from './unrunnable.js';

/** What the assigner reads and moves tasks through (the engine). */
export interface AssignerHost {
  readonly tasks: ReadonlyMap<string, TaskRecord>;
  readonly workers: ReadonlyMap<string, WorkerRecord>;
  readonly functions: ReadonlyMap<string, FunctionSource>;
  readonly ready: ReadyQueue;
  readonly stats: DurationStats;
  readonly outgoing: MessageMerger;
  readonly unrunnable: UnrunnableReports;
  readonly budget: TurnBudget;
  recommend(task: TaskRecord, to: TaskStateName, args?: TransitionArgs): void;
  transition(task: TaskRecord, to: TaskStateName, args: TransitionArgs): void;
  toClient(client: ClientRecord, message: SchedulerToClient): void;
  toWorker(worker: WorkerRecord, message: SchedulerToWorker): void;
  /** Recommendations waiting to be applied. */
  readonly recommended: number;
}

export class TaskAssigner {
  /** Assignment stopped because the turn's budget ran out, with tasks still ready. */
  pending = false;
  #rotation = 0;
  /**
   * Early assignments recommended but maybe not applied yet, per worker: tryEarlyAssign counts them
   * against the worker's capacity, as a recommendation reaches `processing` only when the drain gets to
   * it. Cleared once the drain has emptied the recommendations (every one applied, replaced or stale);
   * until then an applied one counts twice, which only errs on the side of sending fewer ahead.
   */
  readonly #earlyPromised = new Map<WorkerRecord, number>();

  constructor(private readonly host: AssignerHost) {}

  /** The recommendations were all applied: early assignments promised are now counted by the workers. */
  recommendationsDrained(): void {
    this.#earlyPromised.clear();
  }

  /** Moves queued tasks to workers with room, in priority order. Returns true when it recommended anything. */
  assignReady(): boolean {
    const host = this.host;
    this.pending = false;
    if (host.ready.size === 0) return false;
    const running = [...host.workers.values()].filter((w) => w.status === 'running');
    if (running.length === 0) return false;
    const blocked: TaskRecord[] = [];
    let assigned = false;
    let task: TaskRecord | undefined;
    // What each worker held when this pass began: a worker is topped up only once it has run down to
    // its refill mark (see refillMark), and then filled to capacity in one go.
    for (const w of running) this.#pruneLongRunning(w);
    const heldAtStart = running.map(heldBy);
    // One array for the whole pass: this loop runs once per task assigned.
    const candidates: WorkerRecord[] = [];
    while (host.ready.size > 0) {
      if (host.budget.exhausted()) {
        this.pending = true;
        break;
      }
      task = host.ready.pop();
      if (!task) break;
      const t = task;
      candidates.length = 0;
      for (let i = 0; i < running.length; i++) {
        const w = running[i]!;
        const capacity = workerCapacity(w, t.group, host.stats);
        // A task that outranks what a worker holds does not wait for the refill mark.
        if (heldBy(w) < capacity && (heldAtStart[i]! <= refillMark(capacity) || t.priority > w.lowestPriority)) candidates.push(w);
      }
      if (candidates.length === 0) {
        const room = this.#displaceFor(t, running);
        if (room) candidates.push(room);
      }
      if (candidates.length === 0) {
        blocked.push(t);
        // Every worker is full for this group; other groups may still fit, but order matters more.
        break;
      }
      const worker = decideWorker(t, candidates, this.#rotation++, expectedMicros(t.group, host.stats));
      if (!worker) {
        blocked.push(t);
        this.noWorker(t, running);
        continue;
      }
      host.transition(t, 'processing', { worker });
      assigned = true;
    }
    // Last first, so the first one blocked is at the front of the turns again.
    for (let i = blocked.length - 1; i >= 0; i--) host.ready.putBack(blocked[i]!);
    return assigned && host.recommended > 0;
  }

  /** Tells the clients waiting on `task` (once per kind of restriction) that no worker may run it. */
  noWorker(task: TaskRecord, running: readonly WorkerRecord[]): void {
    const reason = this.host.unrunnable.explainOnce(task, running);
    if (reason) for (const client of clientsWaitingOn(task)) this.host.toClient(client, { op: 'no-worker', key: task.key, reason });
  }

  /**
   * Every worker is full for `task`: the first one holding a lower-priority task it has not started
   * gives that task back (it goes back to the ready queue, and the worker drops it), and takes `task`.
   */
  #displaceFor(task: TaskRecord, running: readonly WorkerRecord[]): WorkerRecord | undefined {
    for (const worker of running) {
      if (!satisfiesRestrictions(task, worker)) continue;
      const victim = taskToDisplace(worker, task);
      if (!victim) continue;
      this.host.transition(victim, 'released', { reason: `${task.key} of higher priority takes its place on ${worker.id}` });
      return worker;
    }
    return undefined;
  }

  /** Forgets long-running keys that no longer run on `worker` (finished, moved, cancelled). */
  #pruneLongRunning(worker: WorkerRecord): void {
    if (worker.longRunning.size === 0) return;
    for (const key of worker.longRunning) {
      if (this.host.tasks.get(key)?.processingOn !== worker) worker.longRunning.delete(key);
    }
  }

  /** Sends the compute order (and the function source the worker lacks). */
  sendCompute(task: TaskRecord, worker: WorkerRecord): void {
    const spec = task.spec!;
    // A direct actor call is on its worker already (the client sent it there; see actor-router.ts).
    if (spec.actor?.direct) return;
    if (!worker.knownFunctions.has(spec.fn)) {
      const fn = this.host.functions.get(spec.fn);
      if (fn) this.host.toWorker(worker, { op: 'functions', fns: [fn] });
      worker.knownFunctions.add(spec.fn);
    }
    const deps: DepLocation[] = task.deps.size === 0 ? emptyList() : [];
    for (const dep of task.deps) {
      deps.push({ key: dep.key, holders: [...dep.holders].map((w) => w.info.address), local: dep.processingOn === worker || dep.holders.has(worker) });
    }
    const order: ComputeOrder = { key: task.key, fn: spec.fn, args: spec.args, deps, priority: task.priority };
    // An actor's resources choose its worker and are held there by the scheduler while it lives
    // (actor-router.ts); its tasks run on its own thread and take none from the worker's task threads.
    if (spec.restrictions?.resources && !spec.actor) order.resources = spec.restrictions.resources;
    if (spec.actor) order.actor = spec.actor;
    this.host.outgoing.queueItem('worker', worker.peer, 'compute', order);
  }

  /**
   * A waiting task whose every missing input runs on one worker goes there at once, to run behind them
   * without a scheduler round trip, while that worker has room for it (workerCapacity): past that bound
   * it waits here, and once its inputs are done it is queued and goes wherever it would start soonest.
   */
  tryEarlyAssign(task: TaskRecord): void {
    if (task.state !== 'waiting' || task.waitingOn.size === 0 || isActorTask(task)) return;
    let target: WorkerRecord | undefined;
    for (const dep of task.waitingOn) {
      if (dep.state !== 'processing' || !dep.processingOn) return;
      if (target && dep.processingOn !== target) return;
      target = dep.processingOn;
    }
    if (!target || target.status !== 'running' || !satisfiesRestrictions(task, target, true)) return;
    const promised = this.#earlyPromised.get(target) ?? 0;
    if (heldBy(target) + promised >= workerCapacity(target, task.group, this.host.stats)) return;
    this.#earlyPromised.set(target, promised + 1);
    this.host.recommend(task, 'processing', { worker: target });
  }
}
