/**
 * The scheduler's pure state: the task graph, workers and clients. It takes stimuli (a client submits,
 * a worker finished a task, a worker died …), runs transitions to a fixed point, and queues messages
 * for the server to send. It owns no sockets and no timers, so it can be tested with plain calls.
 *
 * This class is the one entry point; the transition loop is in engine.ts, the life cycle table in
 * transitions.ts, and the larger stimuli in client-stimuli.ts and worker-membership.ts. The reports of
 * running tasks stay here, calling the engine directly, as they are the per-task hot path; what clients
 * report of the actor calls they sent straight to workers is direct-call-reports.ts.
 */
import type { FunctionSource, TaskFinishedReport, TaskSpec, WireError, WorkerRegistration } from '../../protocol/messages.js';
import type { TransitionEvent } from '../events.js';
import type { DurationStats } from './assignment.js';
import { addScatteredData, cancelKeys, dropClientWants, releaseKeys, submitTasks } from './client-stimuli.js';
import { cancelEverything, dropReplicas, holdKeys, markLongRunning, wantKeys } from './cluster-stimuli.js';
import { checkInvariants, type StoryEntry } from './diagnostics.js';
import { TransitionEngine } from './engine.js';
import type { ReadyQueue } from './ready-queue.js';
import { retryKeys } from './retry.js';
import { KeySlices } from './key-slices.js';
import { SLICE_KEYS, SliceStats } from './slice-stats.js';
import { addHolder, bigTaskSet, type ClientRecord, type Outgoing, type TaskRecord, type WorkerRecord } from './types.js';
import * as direct from './direct-call-reports.js';
import * as membership from './worker-membership.js';

export interface SchedulerStateOptions {
  /** Worker deaths while running the same task before it fails with KilledWorkerError. @defaultValue 3 */
  allowedFailures?: number;
  /** Check every invariant after each stimulus (slow; for tests). @defaultValue false */
  validate?: boolean;
  /** Stop with an error after this many transitions (catches loops in tests). */
  transitionLimit?: number;
  /**
   * Cut big stimuli into slices (see slice-stats.ts): at most this many steps per turn, the rest left for
   * {@link SchedulerState.continueWork}. The server sets it; plain calls (tests) run to the end at once.
   * @defaultValue Infinity
   */
  stepsPerTurn?: number;
}

export class SchedulerState {
  readonly tasks: Map<string, TaskRecord>;
  readonly workers: Map<string, WorkerRecord>;
  readonly clients = new Map<string, ClientRecord>();
  readonly functions: Map<string, FunctionSource>;
  readonly ready: ReadyQueue;
  readonly stats: DurationStats;
  /** Tasks finished and erred per group since the start (kept after the tasks are forgotten). */
  readonly groupTotals = new Map<string, { finished: number; erred: number }>();
  readonly allowedFailures: number;
  /** What the slicing did (largest slices, yields): see slices.ts. */
  readonly slices = new SliceStats();

  readonly #engine: TransitionEngine;
  readonly #keySlices: KeySlices;
  readonly #sliced: boolean;

  constructor(options: SchedulerStateOptions = {}) {
    this.allowedFailures = options.allowedFailures ?? 3;
    const stepsPerTurn = options.stepsPerTurn ?? Infinity;
    this.#sliced = stepsPerTurn !== Infinity;
    this.#engine = new TransitionEngine(options.validate ?? false, options.transitionLimit ?? Infinity, stepsPerTurn, this.slices);
    this.#keySlices = new KeySlices(this.#engine);
    this.tasks = this.#engine.tasks;
    this.workers = this.#engine.workers;
    this.functions = this.#engine.functions;
    this.ready = this.#engine.ready;
    this.stats = this.#engine.stats;
  }

  /**
   * Calls `listener` with every transition from now on (`undefined` stops it). One listener at a
   * time: the server forwards them as its `transition` event while someone listens to that.
   */
  observeTransitions(listener: ((event: TransitionEvent) => void) | undefined): void {
    this.#engine.observer = listener;
  }

  /** Transitions run since the start. */
  get transitionCount(): number {
    return this.#engine.transitionCount;
  }

  /** Messages queued by the stimuli so far; the server sends them, batched per peer. */
  takeOutgoing(): Outgoing[] {
    return this.#engine.outgoing.take();
  }

  addClient(peer: string, id: string, now: number): ClientRecord {
    const client: ClientRecord = { peer, id, wants: bigTaskSet(), lastSeen: now };
    this.clients.set(peer, client);
    return client;
  }

  removeClient(peer: string): void {
    const client = this.clients.get(peer);
    if (!client) return;
    this.clients.delete(peer);
    this.#keySlices.dropClient(client);
    this.dropHolder(client);
  }

  /**
   * True while stimuli left work for later turns: transitions (see engine.ts) or keys of a big submit,
   * cancel or release not yet taken. The server calls {@link continueWork} once per turn until it is false.
   */
  get hasPendingWork(): boolean {
    return this.#engine.hasPendingWork || this.#keySlices.size > 0;
  }

  /** True while `client` has keys not yet taken in: what it says next waits (the server holds it back). */
  busyWith(client: ClientRecord): boolean {
    return this.#keySlices.busyWith(client);
  }

  /** True once this turn's steps or time are spent (always false when not slicing). */
  get turnSpent(): boolean {
    return this.#engine.budgetLeft <= 0;
  }

  /** A new turn of the event loop: the step budget is whole again. */
  newTurn(): void {
    this.#engine.newTurn();
  }

  /** Goes on with the work left by earlier turns, within this turn's budget: transitions first, then key slices. */
  continueWork(): void {
    const engine = this.#engine;
    if (engine.hasPendingWork) engine.continueWork();
    while (this.#keySlices.size > 0 && !engine.hasPendingWork && engine.budgetLeft > SLICE_KEYS) {
      const taken = this.#keySlices.runSlice();
      if (taken > this.slices.largestKeySlice) this.slices.largestKeySlice = taken;
    }
  }

  registerFunctions(fns: FunctionSource[]): void {
    for (const fn of fns) this.functions.set(fn.hash, fn);
  }

  /** `client` submits tasks; many are taken in slices over several turns when slicing (see continueWork). */
  submit(client: ClientRecord, specs: TaskSpec[]): void {
    if (this.#sliced && this.#keySlices.mustQueue(client, specs.length)) this.#keySlices.submit(client, specs);
    else submitTasks(this.#engine, client, specs);
  }

  /** `client` lets go of keys (in slices, as submit). */
  release(client: ClientRecord, keys: string[]): void {
    if (this.#sliced && this.#keySlices.mustQueue(client, keys.length)) this.#keySlices.release(client, keys);
    else releaseKeys(this.#engine, client, keys);
  }

  /** Cancels keys for `client` (see cancelKeys: others wanting a key keep it unless `force`); in slices, as submit. */
  cancel(client: ClientRecord, keys: string[], force = false): void {
    if (this.#sliced && this.#keySlices.mustQueue(client, keys.length)) this.#keySlices.cancel(client, keys, force);
    else cancelKeys(this.#engine, client, keys, force);
  }

  /** Runs erred tasks again, with the erred inputs they failed through (see retry.ts). */
  retry(client: ClientRecord, keys: string[]): void {
    retryKeys(this.#engine, client, keys);
  }

  /** Every task of every client is cancelled (client.restart). */
  cancelEverything(reason: string): void {
    if (this.#sliced) this.#keySlices.cancelAll(reason);
    else cancelEverything(this.#engine, reason);
  }

  /** A holder with no connection (fire-and-forget, a dataset) wants `keys`; returns the keys it now holds. */
  holdKeys(holder: ClientRecord, keys: string[], pendingOnly: boolean): string[] {
    return holdKeys(this.#engine, holder, keys, pendingOnly);
  }

  /** `client` holds futures of `keys` it got from a coordination value: it wants them and hears their state. */
  wantKeys(client: ClientRecord, keys: string[]): void {
    wantKeys(this.#engine, client, keys);
  }

  /** A holder lets go of everything it held. */
  dropHolder(holder: ClientRecord): void {
    // Queued too behind what the holder (or a restart) still has queued: a restart's cancel tells clients first.
    if (this.#sliced && this.#keySlices.mustQueue(holder, holder.wants.size)) this.#keySlices.dropWants(holder);
    else dropClientWants(this.#engine, holder);
  }

  /** `worker` drops its copies of `keys` where another copy exists; returns the keys dropped. */
  dropReplicas(worker: WorkerRecord, keys: string[]): string[] {
    return dropReplicas(this.#engine, worker, keys);
  }

  /** Tasks on `worker` gave up their thread: its threads take more tasks. */
  longRunning(worker: WorkerRecord, keys: string[]): void {
    this.#engine.run(`long-running-${worker.id}`, () => markLongRunning(worker, keys, this.tasks));
  }

  /** The thread of actor `key` ended on `worker`: the actor restarts elsewhere or fails (see actor-router.ts). */
  actorLost(worker: WorkerRecord, key: string, reason: string): void {
    const engine = this.#engine;
    engine.run(`actor-lost-${worker.id}`, () => engine.actors.threadLost(engine, worker, key, reason));
  }

  /** Scattered data: the values already sit on `holders`. */
  addData(client: ClientRecord, keys: string[], nbytes: number[], holders: WorkerRecord[]): void {
    addScatteredData(this.#engine, client, keys, nbytes, holders);
  }

  addWorker(peer: string, info: WorkerRegistration, now: number): WorkerRecord {
    return membership.addWorker(this.#engine, peer, info, now);
  }

  workerByName(name: string): WorkerRecord | undefined {
    return membership.workerByName(this.workers, name);
  }

  /** A retiring worker takes no new tasks; what it was running goes elsewhere now. */
  beginRetire(worker: WorkerRecord): void {
    membership.beginRetire(this.#engine, worker);
  }

  /** Results only `worker` holds and someone still needs: what must move before it leaves. */
  keysOnlyOn(worker: WorkerRecord): string[] {
    return membership.keysOnlyOn(this.#engine, worker);
  }

  /** `worker` now holds copies of `keys` too. */
  addReplicas(worker: WorkerRecord, keys: string[]): void {
    membership.addReplicas(this.#engine, worker, keys);
  }

  /** A worker left or died: reschedule what it ran, recompute what only it held. */
  removeWorker(peer: string, reason: string, graceful = false): WorkerRecord | undefined {
    return membership.removeWorker(this.#engine, peer, reason, graceful, this.allowedFailures);
  }

  heartbeat(worker: WorkerRecord, executing: string[], memory: number, now: number): void {
    worker.lastSeen = now;
    worker.memory = memory;
    worker.executing = new Set(executing);
  }

  started(worker: WorkerRecord, keys: string[]): void {
    for (const key of keys) worker.executing.add(key);
  }

  taskFinished(worker: WorkerRecord, reports: TaskFinishedReport[]): void {
    const engine = this.#engine;
    engine.run(`finished-${worker.id}`, () => {
      for (const report of reports) {
        worker.executing.delete(report.key);
        const task = engine.tasks.get(report.key);
        if (!task || task.state !== 'processing' || task.processingOn !== worker) {
          if (task && task.state === 'memory' && !task.holders.has(worker)) {
            addHolder(task, worker);
            worker.hasWhat.add(task);
          } else if (!task || !task.holders.has(worker)) {
            engine.toWorker(worker, { op: 'free-keys', keys: [report.key] });
          }
          continue;
        }
        task.nbytes = report.nbytes;
        task.pendingValue = report.value;
        this.#groupTotal(task.group).finished++;
        engine.stats.record(task.group, report.duration);
        engine.recommend(task, 'memory', { worker });
      }
    });
  }

  /**
   * A client reports the end of direct actor calls it sent to the worker at `address` (see direct-call-reports.ts).
   * @returns the worker, when one is at `address`.
   */
  directCallsFinished(address: string, reports: TaskFinishedReport[]): WorkerRecord | undefined {
    return direct.callsFinished(this.#engine, this, address, reports);
  }

  /** A client reports that a direct actor call it sent to the worker at `address` failed there. */
  directCallErred(address: string, key: string, error: WireError): void {
    direct.callErred(this.#engine, this, address, key, error);
  }

  taskErred(worker: WorkerRecord, key: string, error: WireError, duration: number): void {
    const engine = this.#engine;
    engine.run(`erred-${worker.id}`, () => {
      worker.executing.delete(key);
      const task = engine.tasks.get(key);
      if (!task || task.state !== 'processing' || task.processingOn !== worker) return;
      engine.stats.record(task.group, duration);
      if (task.retriesLeft === 0) this.#groupTotal(task.group).erred++;
      if (task.retriesLeft > 0) {
        task.retriesLeft--;
        engine.recommend(task, 'released');
      } else {
        engine.recommend(task, 'erred', { error: { ...error, key } });
      }
    });
  }

  /** A worker could not fetch inputs of `key`: forget those holders and try again. */
  missingData(worker: WorkerRecord, key: string, missing: string[]): void {
    const engine = this.#engine;
    engine.run(`missing-data-${worker.id}`, () => {
      for (const depKey of missing) {
        const dep = engine.tasks.get(depKey);
        if (!dep) continue;
        for (const holder of [...dep.holders]) {
          if (holder.status === 'removed') dep.holders.delete(holder);
        }
        if (dep.state === 'memory' && dep.holders.size === 0) engine.recommend(dep, dep.spec ? 'released' : 'lost', { reason: 'no holder could send it' });
      }
      const task = engine.tasks.get(key);
      if (task && task.state === 'processing' && task.processingOn === worker) engine.recommend(task, 'released');
    });
  }

  /** Where the given keys live, as worker peer addresses. */
  whoHas(keys: string[]): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const key of keys) {
      const task = this.tasks.get(key);
      out[key] = task ? [...task.holders].map((w) => w.info.address) : [];
    }
    return out;
  }

  /** Re-offers queued tasks to workers (after capacity frees up or a worker joins). */
  fill(): void {
    this.#engine.run('fill', () => {});
  }

  #groupTotal(group: string): { finished: number; erred: number } {
    let totals = this.groupTotals.get(group);
    if (!totals) this.groupTotals.set(group, (totals = { finished: 0, erred: 0 }));
    return totals;
  }

  /** Per task group: tasks by state now (waiting, queued, processing, memory, erred …) plus cumulative totals. */
  progressByGroup(): Record<string, { states: Record<string, number>; finished: number; erred: number }> {
    const out: Record<string, { states: Record<string, number>; finished: number; erred: number }> = {};
    for (const [group, totals] of this.groupTotals) out[group] = { states: {}, ...totals };
    for (const [group, states] of this.#engine.counts.byGroup()) {
      const entry = (out[group] ??= { states: {}, finished: 0, erred: 0 });
      entry.states = states;
    }
    return out;
  }

  story(key: string): StoryEntry[] {
    return this.#engine.story.of(key);
  }

  /** Tasks by state now (kept as tasks move: no scan of the graph). */
  countsByState(): Record<string, number> {
    return this.#engine.counts.byState();
  }

  /** Checks the invariants; throws an Error naming the first broken one. */
  validate(): void {
    checkInvariants(this.tasks.values(), this.ready, this.countsByState());
  }
}
