/**
 * The transition engine: runs one stimulus to a fixed point. A stimulus recommends transitions; the
 * engine applies them through the one table in transitions.ts, offers queued tasks to workers, and
 * repeats until nothing is left. It is also the context the table's handlers work through. What
 * clients and workers say (the stimuli) lives in other modules; this is the loop all of them share.
 * The budget per turn and the fan-outs over many tasks are turn-budget.ts; sending tasks to workers is
 * task-assigner.ts.
 */
import { InvalidTransitionError } from '../../errors/index.js';
import type { FinishedItem, FunctionSource, SchedulerToClient, SchedulerToWorker, TaskSpec } from '../../protocol/messages.js';
import { ActorRouter, isActorCall, type ActorEngine } from './actor-router.js';
import { DurationStats } from './assignment.js';
import { checkInvariants, TransitionStory } from './diagnostics.js';
import { MessageMerger } from './message-merger.js';
import { ShardedMap, shardOfString } from '../../util/sharded.js';
import { ReadyQueue } from './ready-queue.js';
import type { SliceStats } from './slice-stats.js';
import { StateCounts } from './state-counts.js';
import { TaskAssigner, type AssignerHost } from './task-assigner.js';
import { FanOuts, TurnBudget } from './turn-budget.js';
import { UnrunnableReports } from './unrunnable.js';
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

const NO_ARGS: TransitionArgs = Object.freeze({});

export class TransitionEngine implements TransitionContext, ActorEngine, AssignerHost {
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
  /** Steps and time per run and per turn (see turn-budget.ts). */
  readonly budget: TurnBudget;
  /** Fan-outs over many dependents, a budget's worth per turn (see fanOut). */
  readonly #fanOuts: FanOuts;
  readonly #assigner: TaskAssigner;
  /** A run's budget ran out before the actor router's turn while it had actors or calls to move. */
  #routePending = false;
  /** Counts runs, so a recommendation left by an earlier one can be told apart. */
  #runId = 0;
  readonly slices: SliceStats;
  #seq = 0;
  #stimulus = '';
  readonly #validate: boolean;
  readonly #transitionLimit: number;
  /** Told of every transition while set (the scheduler's `transition` event); unset, it costs one check. */
  observer: ((event: TransitionEvent) => void) | undefined;

  constructor(validate: boolean, transitionLimit: number, stepsPerTurn: number, slices: SliceStats) {
    this.#validate = validate;
    this.#transitionLimit = transitionLimit;
    this.slices = slices;
    this.budget = new TurnBudget(stepsPerTurn, slices);
    this.#fanOuts = new FanOuts(this.budget);
    this.#assigner = new TaskAssigner(this);
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

  /** Recommendations waiting to be applied. */
  get recommended(): number {
    return this.#recommendations.size;
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
    this.budget.startRun();
    body();
    this.#settle();
    if (this.#validate && !this.hasPendingWork) checkInvariants(this.tasks.values(), this.ready, this.counts.byState());
  }

  /**
   * True while a stimulus left work for a later turn (see slices.ts): recommendations, fan-outs over
   * dependents, or assignment the step budget cut short. The server calls {@link continueWork} next turn.
   */
  get hasPendingWork(): boolean {
    return this.#recommendations.size > 0 || this.#fanOuts.size > 0 || this.#assigner.pending || this.#routePending;
  }

  /** A new turn of the event loop: the step budget is whole again. */
  newTurn(): void {
    this.budget.newTurn();
  }

  /** Goes on with what earlier stimuli left (within this turn's budget). */
  continueWork(): void {
    this.run(`${this.#stimulus.replace(/\+$/, '')}+`, () => {});
  }

  /** Steps left in this turn's budget (Infinity when not slicing; none once the turn's time is up). */
  get budgetLeft(): number {
    return this.budget.left;
  }

  /**
   * Runs fan-outs, recommendations and assignment to a fixed point, or until this turn's step budget
   * is spent; what is left stays queued for {@link continueWork}.
   */
  #settle(): void {
    for (;;) {
      if (this.#fanOuts.size > 0) this.#fanOuts.run(() => this.#recommendations.size);
      this.#drainRecommendations();
      if (this.budget.exhausted()) {
        // Tasks the recommendations just queued are assigned next turn; no later stimulus may come.
        if (this.ready.size > 0) this.#assigner.pending = true;
        if (this.actors.hasWork) this.#routePending = true;
        if (this.hasPendingWork) this.slices.yields++;
        return;
      }
      if (this.#fanOuts.size > 0 || this.#recommendations.size > 0) continue;
      const assigned = this.#assigner.assignReady();
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
      this.#assigner.recommendationsDrained();
      return;
    }
    const entries = (this.#recommendationCursor ??= recommendations.entries());
    while (!this.budget.exhausted()) {
      const next = entries.next();
      if (next.done) {
        this.#recommendationCursor = undefined;
        this.#assigner.recommendationsDrained();
        return;
      }
      const [task, recommendation] = next.value;
      recommendations.delete(task);
      // Made by a stimulus of an earlier turn, for a task another stimulus has moved since: stale.
      if (recommendation.run !== this.#runId && recommendation.from !== task.state) continue;
      this.transition(task, recommendation.to, recommendation.args);
    }
  }

  /** Calls `each` for every dependent of `task`, at once for a few or a budget's worth per turn for many (see turn-budget.ts). */
  fanOut(task: TaskRecord, each: (dependent: TaskRecord) => void, whileState?: TaskStateName): void {
    this.#fanOuts.fanOut(task, each, whileState);
  }

  /** Calls `each` for every task of `items` (iterated live), at once for a few or a budget's worth per turn for many. */
  sweep(items: ReadonlySet<TaskRecord>, each: (task: TaskRecord) => void): void {
    this.#fanOuts.sweep(items, each);
  }

  /** Moves a task now, through `released` when the table has no direct way. */
  transition(task: TaskRecord, to: TaskStateName, args: TransitionArgs): void {
    const from = task.state;
    if (from === to || from === 'forgotten') return;
    this.budget.spent++;
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

  sendCompute(task: TaskRecord, worker: WorkerRecord): void {
    this.#assigner.sendCompute(task, worker);
  }

  tryEarlyAssign(task: TaskRecord): void {
    this.#assigner.tryEarlyAssign(task);
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
    this.#assigner.noWorker(task, running);
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
