/**
 * The transition engine: runs one stimulus to a fixed point. A stimulus recommends transitions; the
 * engine applies them through the one table in transitions.ts, offers queued tasks to workers, and
 * repeats until nothing is left. It is also the context the table's handlers work through. What
 * clients and workers say (the stimuli) lives in other modules; this is the loop all of them share.
 */
import { InvalidTransitionError } from '../../errors/index.js';
import type { ComputeOrder, DepLocation, FinishedItem, FunctionSource, SchedulerToClient, SchedulerToWorker, TaskSpec } from '../../protocol/messages.js';
import { ActorRouter, isActorTask, isActorCall, type ActorEngine } from './actor-router.js';
import { DurationStats, decideWorker, expectedMicros, heldBy, refillMark, satisfiesRestrictions, taskToDisplace, workerCapacity } from './assignment.js';
import { checkInvariants, TransitionStory } from './diagnostics.js';
import { MessageMerger } from './message-merger.js';
import { emptyList } from '../../util/empty.js';
import { ShardedMap, shardOfString } from '../../util/sharded.js';
import { ReadyQueue } from './ready-queue.js';
import { SLICE_MS, type SliceStats } from './slice-stats.js';
import { StateCounts } from './state-counts.js';
import { clientsWaitingOn, UnrunnableReports } from './unrunnable.js';
import { findHandler, type TransitionArgs, type TransitionContext } from './transitions.js';
import type { TransitionEvent } from '../events.js';
import { newTask, PENDING_STATES, type ClientRecord, type TaskRecord, type TaskStateName, type WorkerRecord } from './types.js';

/** A recommendation, with the state its task was in and the run that made it (see drainRecommendations). */
interface Recommendation {
  to: TaskStateName;
  args: TransitionArgs;
  from: TaskStateName;
  run: number;
}

/** A fan-out over a task's many dependents, or a sweep over many tasks, left for later turns (see fanOut, sweep). */
interface FanOut {
  items: Iterator<TaskRecord>;
  each: (task: TaskRecord) => void;
  /** False once what the fan-out was for no longer holds: the rest is dropped. */
  live: () => boolean;
}

const ALWAYS = (): boolean => true;

/** Dependents a fan-out visits at once, whatever the budget. */
const FAN_OUT_AT_ONCE = 4_096;
const NO_ARGS: TransitionArgs = Object.freeze({});

export class TransitionEngine implements TransitionContext, ActorEngine {
  /** Every task by key, in shards: a native map of a million rehashes whole as it grows (see util/sharded.ts). */
  readonly tasks: Map<string, TaskRecord> = new ShardedMap<string, TaskRecord>(shardOfString);
  readonly workers = new Map<string, WorkerRecord>();
  readonly functions = new Map<string, FunctionSource>();
  readonly ready = new ReadyQueue();
  readonly stats = new DurationStats();
  readonly outgoing = new MessageMerger();
  readonly story = new TransitionStory();
  readonly unrunnable = new UnrunnableReports();
  /** Actors, and their calls in submission order (see actor-router.ts). */
  readonly actors = new ActorRouter();
  /** Tasks by state, overall and per group, kept as they move (see state-counts.ts). */
  readonly counts = new StateCounts();
  transitionCount = 0;

  #recommendations = new Map<TaskRecord, Recommendation>();
  #recommendationCursor: IterableIterator<[TaskRecord, Recommendation]> | undefined;
  /** Fan-outs over many dependents, a budget's worth per turn (see fanOut). */
  #fanOuts: FanOut[] = [];
  /** Assignment stopped because the turn's budget ran out, with tasks still ready. */
  #assignPending = false;
  /** A run's budget ran out before the actor router's turn while it had actors or calls to move. */
  #routePending = false;
  /** Steps (transitions) allowed per turn, and spent in this one (see slices.ts). */
  readonly #budget: number;
  #spent = 0;
  /**
   * When slicing, the time a run may take (performance.now()): steps alone do not bound a turn, as a
   * step's cost varies tenfold with the machine's load and the collector. Also when this turn ends.
   */
  #runEnds = Infinity;
  #turnEnds = Infinity;
  /** Counts runs, so a recommendation left by an earlier one can be told apart. */
  #runId = 0;
  readonly slices: SliceStats;
  #seq = 0;
  #rotation = 0;
  /**
   * Early assignments recommended but maybe not applied yet, per worker: tryEarlyAssign counts them
   * against the worker's capacity, as a recommendation reaches `processing` only when the drain gets to
   * it. Cleared once the drain has emptied the recommendations (every one applied, replaced or stale);
   * until then an applied one counts twice, which only errs on the side of sending fewer ahead.
   */
  readonly #earlyPromised = new Map<WorkerRecord, number>();
  #stimulus = '';
  readonly #validate: boolean;
  readonly #transitionLimit: number;
  /** Told of every transition while set (the scheduler's `transition` event); unset, it costs one check. */
  observer: ((event: TransitionEvent) => void) | undefined;

  constructor(validate: boolean, transitionLimit: number, stepsPerTurn: number, slices: SliceStats) {
    this.#validate = validate;
    this.#transitionLimit = transitionLimit;
    this.#budget = stepsPerTurn;
    this.slices = slices;
  }

  /** Creates a task in `released` and adds it to the graph, numbered in submission order. */
  createTask(key: string, spec: TaskSpec | undefined): TaskRecord {
    const task = newTask(key, spec, this.#seq++);
    this.tasks.set(key, task);
    this.counts.added(task);
    return task;
  }

  recommend(task: TaskRecord, to: TaskStateName, args: TransitionArgs = NO_ARGS): void {
    this.#recommendations.set(task, { to, args, from: task.state, run: this.#runId });
  }

  isRecommended(task: TaskRecord): boolean {
    return this.#recommendations.has(task);
  }

  toClient(client: ClientRecord, message: SchedulerToClient): void {
    this.outgoing.queue('client', client.peer, message);
  }

  toWorker(worker: WorkerRecord, message: SchedulerToWorker): void {
    this.outgoing.queue('worker', worker.peer, message);
  }

  finishedToClient(client: ClientRecord, item: FinishedItem): void {
    this.outgoing.queueItem('client', client.peer, 'task-finished', item);
  }

  cancelledToClient(client: ClientRecord, key: string, reason: string): void {
    this.outgoing.queueCancelled(client.peer, key, reason);
  }

  keyToWorker(worker: WorkerRecord, op: 'free-keys' | 'cancel-compute', key: string): void {
    this.outgoing.queueItem('worker', worker.peer, op, key);
  }

  /** Runs one stimulus: the body queues recommendations, then transitions run until none are left (see settle). */
  run(stimulus: string, body: () => void): void {
    this.#stimulus = stimulus;
    this.#runId++;
    if (this.#budget !== Infinity) this.#runEnds = performance.now() + SLICE_MS;
    body();
    this.#settle();
    if (this.#validate && !this.hasPendingWork) checkInvariants(this.tasks.values(), this.ready, this.counts.byState());
  }

  /**
   * True while a stimulus left work for a later turn (see slices.ts): recommendations, fan-outs over
   * dependents, or assignment the step budget cut short. The server calls {@link continueWork} next turn.
   */
  get hasPendingWork(): boolean {
    return this.#recommendations.size > 0 || this.#fanOuts.length > 0 || this.#assignPending || this.#routePending;
  }

  /** A new turn of the event loop: the step budget is whole again. */
  newTurn(): void {
    if (this.#spent > this.slices.largestStepSlice) this.slices.largestStepSlice = this.#spent;
    this.#spent = 0;
    if (this.#budget !== Infinity) this.#turnEnds = performance.now() + SLICE_MS;
  }

  /** This run's steps or time are spent: what is left waits for a later turn. */
  #exhausted(): boolean {
    return this.#spent >= this.#budget || (this.#runEnds !== Infinity && performance.now() >= this.#runEnds);
  }

  /** Goes on with what earlier stimuli left (within this turn's budget). */
  continueWork(): void {
    this.run(`${this.#stimulus.replace(/\+$/, '')}+`, () => {});
  }

  /** Steps left in this turn's budget (Infinity when not slicing; none once the turn's time is up). */
  get budgetLeft(): number {
    if (this.#turnEnds !== Infinity && performance.now() >= this.#turnEnds) return 0;
    return this.#budget - this.#spent;
  }

  /**
   * Runs fan-outs, recommendations and assignment to a fixed point, or until this turn's step budget
   * is spent; what is left stays queued for {@link continueWork}.
   */
  #settle(): void {
    for (;;) {
      if (this.#fanOuts.length > 0) this.#runFanOuts();
      this.#drainRecommendations();
      if (this.#exhausted()) {
        // Tasks the recommendations just queued are assigned next turn; no later stimulus may come.
        if (this.ready.size > 0) this.#assignPending = true;
        if (this.actors.hasWork) this.#routePending = true;
        if (this.hasPendingWork) this.slices.yields++;
        return;
      }
      if (this.#fanOuts.length > 0 || this.#recommendations.size > 0) continue;
      const assigned = this.#assignReady();
      this.#routePending = false;
      const routed = this.actors.assign(this) && this.#recommendations.size > 0;
      if (!assigned && !routed) break;
    }
  }

  #drainRecommendations(): void {
    // One live Map iterator, kept across turns until it runs out: recommendations made while draining
    // are visited too, and a task recommended again after its turn is appended again. Taking entries
    // from the front with a fresh iterator each time would rescan deleted slots and turn this quadratic.
    const recommendations = this.#recommendations;
    if (recommendations.size === 0) {
      this.#earlyPromised.clear();
      return;
    }
    const entries = (this.#recommendationCursor ??= recommendations.entries());
    while (!this.#exhausted()) {
      const next = entries.next();
      if (next.done) {
        this.#recommendationCursor = undefined;
        this.#earlyPromised.clear();
        return;
      }
      const [task, recommendation] = next.value;
      recommendations.delete(task);
      // Made by a stimulus of an earlier turn, for a task another stimulus has moved since: stale.
      if (recommendation.run !== this.#runId && recommendation.from !== task.state) continue;
      this.transition(task, recommendation.to, recommendation.args);
    }
  }

  /**
   * Calls `each` for every dependent of `task`: at once for a few, or a budget's worth per turn for many
   * (a root finishing frees a million dependents). With `whileState`, a fan-out left for a later turn stops
   * when `task` has left that state meanwhile (what it was doing no longer holds).
   */
  fanOut(task: TaskRecord, each: (dependent: TaskRecord) => void, whileState?: TaskStateName): void {
    const dependents = task.dependents;
    if (dependents.size <= FAN_OUT_AT_ONCE || this.#budget === Infinity) {
      for (const dependent of dependents) each(dependent);
      this.#spent += dependents.size >> 4;
      return;
    }
    this.#fanOuts.push({ items: dependents.values(), each, live: whileState === undefined ? ALWAYS : () => task.state === whileState });
  }

  /**
   * Calls `each` for every task of `items`: at once for a few, or a budget's worth per turn for many (a
   * worker that held a million results leaving). `items` is iterated live, so deleting from it is safe.
   */
  sweep(items: ReadonlySet<TaskRecord>, each: (task: TaskRecord) => void): void {
    if (items.size <= FAN_OUT_AT_ONCE || this.#budget === Infinity) {
      for (const task of items) each(task);
      return;
    }
    this.#fanOuts.push({ items: items.values(), each, live: ALWAYS });
  }

  #runFanOuts(): void {
    while (this.#fanOuts.length > 0 && !this.#exhausted()) {
      const fan = this.#fanOuts[0]!;
      if (!fan.live()) {
        this.#fanOuts.shift();
        continue;
      }
      // A step per 16 dependents: visiting one is a check and maybe a recommendation, far cheaper than a
      // transition. Never more than the drain can take this turn: a million recommendations queued at
      // once would be a million objects for the collector.
      const allowed = Math.min((this.#budget - this.#spent) * 16, this.#budget - this.#recommendations.size, FAN_OUT_AT_ONCE);
      if (allowed <= 0) return;
      let visited = 0;
      let finished = false;
      while (visited < allowed) {
        const next = fan.items.next();
        if (next.done) {
          finished = true;
          break;
        }
        fan.each(next.value);
        visited++;
      }
      this.#spent += Math.ceil(visited / 16);
      if (finished) this.#fanOuts.shift();
    }
  }

  /** Moves a task now, through `released` when the table has no direct way. */
  transition(task: TaskRecord, to: TaskStateName, args: TransitionArgs): void {
    const from = task.state;
    if (from === to || from === 'forgotten') return;
    this.#spent++;
    const count = ++this.transitionCount;
    if (count > this.#transitionLimit) {
      throw new InvalidTransitionError(`more than ${this.#transitionLimit} transitions: a loop? last was ${task.key} ${from}->${to}`);
    }
    const handler = findHandler(from, to);
    if (handler) {
      task.state = to;
      this.counts.moved(task, from, to);
      const pending = PENDING_STATES.has(to);
      if (pending !== PENDING_STATES.has(from) && task.deps.size > 0) {
        const change = pending ? 1 : -1;
        for (const dep of task.deps) dep.pendingDependents += change;
      }
      this.story.record(task.key, from, to, this.#stimulus);
      if (this.observer !== undefined) this.#observe(task.key, from, to, args, count);
      handler(this, task, args);
      return;
    }
    if (findHandler(from, 'released') && findHandler('released', to)) {
      this.transition(task, 'released', {});
      if (task.state === 'released') this.transition(task, to, args);
      else this.recommend(task, to, args);
      return;
    }
    throw new InvalidTransitionError(
      `impossible transition ${from} -> ${to} for task ${task.key}; its story: ${JSON.stringify(this.story.of(task.key).slice(-10))}`,
    );
  }

  #observe(key: string, from: TaskStateName, to: TaskStateName, args: TransitionArgs, count: number): void {
    const event: TransitionEvent = to === 'processing' && args.worker
      ? { key, from, to, stimulus: this.#stimulus, worker: args.worker.id, count }
      : { key, from, to, stimulus: this.#stimulus, count };
    this.observer!(event);
  }

  /** Moves queued tasks to workers with room, in priority order. Returns true when it recommended anything. */
  #assignReady(): boolean {
    this.#assignPending = false;
    if (this.ready.size === 0) return false;
    const running = [...this.workers.values()].filter((w) => w.status === 'running');
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
    while (this.ready.size > 0) {
      if (this.#exhausted()) {
        this.#assignPending = true;
        break;
      }
      task = this.ready.pop();
      if (!task) break;
      const t = task;
      candidates.length = 0;
      for (let i = 0; i < running.length; i++) {
        const w = running[i]!;
        const capacity = workerCapacity(w, t.group, this.stats);
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
      const worker = decideWorker(t, candidates, this.#rotation++, expectedMicros(t.group, this.stats));
      if (!worker) {
        blocked.push(t);
        const reason = this.unrunnable.explainOnce(t, running);
        if (reason) for (const client of clientsWaitingOn(t)) this.toClient(client, { op: 'no-worker', key: t.key, reason });
        continue;
      }
      this.transition(t, 'processing', { worker });
      assigned = true;
    }
    // Last first, so the first one blocked is at the front of the turns again.
    for (let i = blocked.length - 1; i >= 0; i--) this.ready.putBack(blocked[i]!);
    return assigned && this.#recommendations.size > 0;
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
      this.transition(victim, 'released', { reason: `${task.key} of higher priority takes its place on ${worker.id}` });
      return worker;
    }
    return undefined;
  }

  /** Forgets long-running keys that no longer run on `worker` (finished, moved, cancelled). */
  #pruneLongRunning(worker: WorkerRecord): void {
    if (worker.longRunning.size === 0) return;
    for (const key of worker.longRunning) {
      if (this.tasks.get(key)?.processingOn !== worker) worker.longRunning.delete(key);
    }
  }

  sendCompute(task: TaskRecord, worker: WorkerRecord): void {
    const spec = task.spec!;
    // A direct actor call is on its worker already (the client sent it there; see actor-router.ts).
    if (spec.actor?.direct) return;
    if (!worker.knownFunctions.has(spec.fn)) {
      const fn = this.functions.get(spec.fn);
      if (fn) this.toWorker(worker, { op: 'functions', fns: [fn] });
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
    this.outgoing.queueItem('worker', worker.peer, 'compute', order);
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
    if (heldBy(target) + promised >= workerCapacity(target, task.group, this.stats)) return;
    this.#earlyPromised.set(target, promised + 1);
    this.recommend(task, 'processing', { worker: target });
  }

  isNeeded(task: TaskRecord): boolean {
    if (task.wantedBy.size > 0 || task.pendingDependents > 0) return true;
    // A call runs for its effect on the actor even when nobody keeps its future.
    return PENDING_STATES.has(task.state) && isActorCall(task);
  }

  checkRelease(task: TaskRecord): void {
    if (this.#recommendations.has(task) || this.isNeeded(task)) return;
    switch (task.state) {
      case 'memory':
      case 'waiting':
      case 'queued':
      case 'processing':
        this.recommend(task, task.dependents.size === 0 ? 'forgotten' : 'released');
        break;
      case 'released':
      case 'erred':
      case 'cancelled':
      case 'lost':
        if (task.dependents.size === 0) this.recommend(task, 'forgotten');
        break;
      default:
        break;
    }
  }

  queuedActorTask(task: TaskRecord): void {
    this.ready.hold(task);
    this.actors.queued(task);
  }

  noWorker(task: TaskRecord, running: readonly WorkerRecord[]): void {
    const reason = this.unrunnable.explainOnce(task, running);
    if (reason) for (const client of clientsWaitingOn(task)) this.toClient(client, { op: 'no-worker', key: task.key, reason });
  }

  forget(task: TaskRecord): void {
    if (task.spec?.actor) this.actors.forgotten(task);
    this.tasks.delete(task.key);
    for (const client of task.wantedBy) client.wants.delete(task);
    task.wantedBy.clear();
    for (const dep of task.deps) {
      dep.dependents.delete(task);
      this.checkRelease(dep);
    }
    for (const dependent of task.dependents) dependent.deps.delete(task);
  }
}
