/**
 * The worker's task state: the tasks the scheduler gave this worker, from `compute` to the report that
 * they finished. Which inputs each still waits for, which are ready (in priority order), which run on
 * which thread, what resources they hold, and which completion reports are not sent yet.
 *
 * It decides and does not do: it owns no sockets, threads, timers or promises, as distributed keeps its
 * WorkerState apart from the Worker. Events come in as method calls (an order accepted, a value stored,
 * a fetch done, a thread's result, a lost thread, a cancel, room on the threads). What it needs done it
 * asks synchronously of three small interfaces: `TaskThreads` (what fits, where a task went, put it
 * there), `FunctionModules` (a function's module URL) and `TaskEffects` (fetch these inputs, send this to
 * the scheduler, call back soon). In a worker they are the thread pool, the local files and `LocalTasks`
 * themselves, so the per-task path is a method call as before and allocates nothing it did not; in unit
 * tests they are plain recording objects.
 */
import type { ComputeOrder, TaskFinishedReport, WireError, WireValue } from '../../protocol/messages.js';
import { toWireError } from '../../protocol/wire-error.js';
import { Heap } from '../../util/heap.js';
import { HostedActors } from './hosted-actors.js';
import { ResourceLedger } from './resource-ledger.js';
import { TaskChains } from './task-chains.js';
import { fromWire, toWire, type StoredData } from '../stored-data.js';
import type { StoredValue, ThreadOutcome, ThreadTask } from '../thread-protocol.js';
import type { DirectOrigin, FetchRequest, FunctionModules, LocalTask, TaskEffects, TaskStateOptions, TaskThreads } from './types.js';

/** Results up to this size travel with the completion report, so waiting clients get them in one hop. */
export const INLINE_RESULT_BYTES = 64 * 1024;

/**
 * Marks the answer to a direct call that did not run here and is the scheduler's to settle (it was not
 * taken, or taken back): the client then leaves its future to the scheduler's news.
 */
function notRun(error: WireError): WireError {
  return { ...error, fields: { ...error.fields, notRun: true } };
}

/** Higher priority first; among equals, the task accepted first. */
function runsBefore(a: LocalTask, b: LocalTask): boolean {
  return a.order.priority !== b.order.priority ? a.order.priority > b.order.priority : a.id < b.id;
}

export class WorkerTaskState {
  readonly #tasks = new Map<string, LocalTask>();
  readonly #byThreadId = new Map<number, LocalTask>();
  readonly #waiters = new Map<string, Set<LocalTask>>();
  /** Tasks sent behind their inputs on one thread (task-chains.ts). */
  readonly #chains: TaskChains;
  #ready = new Heap<LocalTask>(runsBefore);
  readonly #resources: ResourceLedger;
  readonly #random: () => number;
  readonly #now: () => number;
  #nextId = 1;
  #reports: TaskFinishedReport[] = [];
  /** The actors living here; their tasks skip the ready queue (see hosted-actors.ts). */
  readonly #actors: HostedActors;

  constructor(
    private readonly data: StoredData,
    private readonly threads: TaskThreads,
    private readonly modules: FunctionModules,
    private readonly effects: TaskEffects,
    options: TaskStateOptions,
  ) {
    this.#resources = new ResourceLedger(options.offeredResources);
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#chains = new TaskChains(this.#tasks, this.#waiters, this.#byThreadId, threads,
      (task) => this.#threadTask(task, this.modules.functionUrl(task.order.fn)));
    this.#actors = new HostedActors(threads, {
      dispatch: (tasks, index) => this.#dispatchActorTasks(tasks, index),
      fail: (task, error) => this.#fail(task, error, 0),
      holds: (task) => this.#tasks.get(task.order.key) === task,
      send: (message) => this.effects.send(message),
    });
  }

  /** Tasks accepted and not yet finished, failed or cancelled. */
  get size(): number {
    return this.#tasks.size;
  }

  /** The scheduler ordered a task computed here (a repeated order for a known key is ignored). */
  accept(order: ComputeOrder): void {
    if (this.#tasks.has(order.key)) return;
    const task: LocalTask = { id: this.#nextId++, order, missing: new Set(), state: 'waiting', transferMs: 0 };
    this.#tasks.set(order.key, task);
    if (order.actor) this.#actors.accepted(task);
    let toFetch: Map<string, string[]> | undefined;
    for (const dep of order.deps) {
      if (this.data.has(dep.key)) continue;
      task.missing.add(dep.key);
      this.#addWaiter(dep.key, task);
      if (!dep.local && !this.#tasks.has(dep.key)) (toFetch ??= new Map()).set(dep.key, dep.holders);
    }
    if (task.missing.size === 0) this.#makeReady(task);
    else if (toFetch) this.#fetch(task, toFetch);
    else this.#chains.pinBehindInputs(task);
  }

  /**
   * A client sent an actor call straight here (src/worker/direct-calls.ts). It joins its actor's line
   * like a call the scheduler sent; its end is answered to `origin`. Returns the error to answer at once
   * when it cannot run here (the actor does not live here, or the key is taken).
   */
  acceptDirect(order: ComputeOrder, origin: DirectOrigin): WireError | undefined {
    const actor = order.actor!.actor;
    if (!this.#actors.hosts(actor) || !this.data.has(actor)) return notRun(this.#actors.lostError(actor, order.key));
    if (this.#tasks.has(order.key) || this.data.has(order.key)) {
      return { name: 'ProtocolError', code: 'PROTOCOL', key: order.key, message: `a direct call with key ${order.key}, which this worker already has; give each call a new key` };
    }
    const task: LocalTask = { id: this.#nextId++, order, missing: new Set(), state: 'waiting', transferMs: 0, direct: origin };
    this.#tasks.set(order.key, task);
    this.#actors.accepted(task);
    this.#makeReady(task);
    return undefined;
  }

  #addWaiter(key: string, task: LocalTask): void {
    let set = this.#waiters.get(key);
    if (!set) this.#waiters.set(key, (set = new Set()));
    set.add(task);
  }

  /** Asks for the inputs held elsewhere, each from one of its holders chosen at random. */
  #fetch(task: LocalTask, wanted: Map<string, string[]>): void {
    const byHolder = new Map<string, string[]>();
    const unavailable: string[] = [];
    for (const [key, holders] of wanted) {
      const holder = holders[Math.floor(this.#random() * holders.length)];
      if (!holder) {
        unavailable.push(key);
        continue;
      }
      const keys = byHolder.get(holder);
      if (keys) keys.push(key);
      else byHolder.set(holder, [key]);
    }
    this.effects.fetch({ byHolder, unavailable, task });
  }

  /** A peer sent an input: kept unless a copy arrived meanwhile. */
  inputFetched(key: string, value: WireValue): void {
    if (!this.data.has(key)) this.storeValue(key, fromWire(value, false));
  }

  /**
   * A fetch ended after `transferMs`. A task still waiting that lacks any of its inputs (`missing`) is
   * dropped and the scheduler told, so that it recomputes them; then ready tasks go to the threads.
   */
  fetchDone(request: FetchRequest, missing: string[], transferMs: number): void {
    const task = request.task;
    task.transferMs += transferMs;
    if (missing.length > 0 && this.#tasks.get(task.order.key) === task) {
      this.#tasks.delete(task.order.key);
      for (const key of task.missing) this.#waiters.get(key)?.delete(task);
      this.effects.send({ op: 'missing-data', key: task.order.key, missing });
    }
    this.pump();
  }

  /** Keeps a value and readies the tasks that waited only for it; returns its size in bytes. */
  storeValue(key: string, value: StoredValue): number {
    const nbytes = this.data.put(key, value);
    const waiting = this.#waiters.get(key);
    if (waiting) {
      this.#waiters.delete(key);
      for (const task of waiting) {
        task.missing.delete(key);
        if (task.missing.size === 0 && task.state === 'waiting') this.#makeReady(task);
      }
    }
    return nbytes;
  }

  #makeReady(task: LocalTask): void {
    task.state = 'ready';
    if (task.order.actor) this.#actors.ready(task);
    else this.#ready.push(task);
  }

  /** Sends actor tasks to the actor's thread, all or none; false when the thread is gone or full. */
  #dispatchActorTasks(tasks: LocalTask[], index: number): boolean {
    const sent: LocalTask[] = [];
    const threadTasks: ThreadTask[] = [];
    for (const task of tasks) {
      let url: string;
      try {
        url = this.modules.functionUrl(task.order.fn);
      } catch (error) {
        this.#fail(task, toWireError(error, task.order.key), 0);
        continue;
      }
      sent.push(task);
      threadTasks.push(this.#threadTask(task, url));
    }
    if (threadTasks.length === 0) return true;
    if (!this.threads.dispatchTo(index, threadTasks)) return false;
    for (const task of sent) {
      task.state = 'dispatched';
      this.#byThreadId.set(task.id, task);
    }
    return true;
  }

  /** The scheduler freed `key` here; when it is an actor living here, the actor ends. */
  freed(key: string): void {
    this.#actors.freed(key);
  }

  /** An actor's thread ended with `threadTasks` unfinished on it: they fail with ActorLostError. */
  actorThreadEnded(actor: string, threadTasks: ThreadTask[], reason: string): void {
    this.#actors.threadEnded(actor, reason);
    for (const threadTask of threadTasks) {
      const task = this.#byThreadId.get(threadTask.id);
      if (!task) continue;
      this.#byThreadId.delete(threadTask.id);
      this.#fail(task, this.#actors.lostError(actor, task.order.key), 0);
    }
    this.effects.pumpSoon();
  }

  /** The scheduler no longer wants a task: forget it, and stop it if a thread has it. */
  cancel(key: string): void {
    const task = this.#tasks.get(key);
    if (!task) return;
    this.#tasks.delete(key);
    // The scheduler took the call back: it tells the client what became of it.
    if (task.direct) this.effects.answerDirect(task.direct, key, { error: notRun({ name: 'CancelledError', code: 'CANCELLED', key, message: `${key} was cancelled on the worker` }), duration: 0 });
    for (const dep of task.missing) this.#waiters.get(dep)?.delete(task);
    if (task.state === 'ready') this.#ready.removeWhere((t) => t === task);
    if (task.state === 'dispatched') {
      this.#byThreadId.delete(task.id);
      this.#resources.release(task.order.resources);
      this.threads.cancel(task.id);
    }
  }

  /** Sends ready tasks to threads with room, in priority order, a batch per function. */
  pump(): void {
    while (this.#ready.size > 0) {
      const head = this.#ready.peek()!;
      let url: string;
      try {
        url = this.modules.functionUrl(head.order.fn);
      } catch (error) {
        this.#ready.pop();
        this.#fail(head, toWireError(error, head.order.key), 0);
        continue;
      }
      const free = this.threads.freeSlots(url);
      if (free === 0) return;
      const batch: ThreadTask[] = [];
      while (batch.length < free && this.#ready.size > 0) {
        const task = this.#ready.peek()!;
        if (this.modules.functionUrl(task.order.fn) !== url) break;
        if (!this.#resources.acquire(task.order.resources)) break;
        this.#ready.pop();
        task.state = 'dispatched';
        this.#byThreadId.set(task.id, task);
        batch.push(this.#threadTask(task, url));
      }
      if (batch.length === 0) return;
      const leftovers = new Set(this.threads.dispatch(batch));
      for (const leftover of leftovers) {
        const task = this.#byThreadId.get(leftover.id)!;
        this.#byThreadId.delete(leftover.id);
        this.#resources.release(task.order.resources);
        task.state = 'ready';
        this.#ready.push(task);
      }
      for (const sent of batch) if (!leftovers.has(sent)) this.#chains.chainBehind(sent);
    }
  }

  #threadTask(task: LocalTask, url: string): ThreadTask {
    return {
      id: task.id,
      key: task.order.key,
      fnUrl: url,
      args: fromWire(task.order.args, false),
      deps: task.order.deps.map((d) => [d.key, this.data.get(d.key) ?? null] as [string, StoredValue | null]),
      keep: this.#waiters.has(task.order.key),
      ...(task.order.actor ? { actor: task.order.actor } : {}),
    };
  }

  /** A thread lacked an input it was said to have computed: wait for the inputs here again. */
  threadRequeued(threadTask: ThreadTask): void {
    const task = this.#byThreadId.get(threadTask.id);
    if (!task) return;
    this.#byThreadId.delete(threadTask.id);
    task.state = 'waiting';
    task.missing.clear();
    for (const dep of task.order.deps) {
      if (this.data.has(dep.key)) continue;
      task.missing.add(dep.key);
      this.#addWaiter(dep.key, task);
    }
    if (task.missing.size === 0) this.#makeReady(task);
    this.effects.pumpSoon();
  }

  /** A thread finished a task: keep its result and queue the report, or tell the scheduler it failed. */
  threadFinished(threadTask: ThreadTask, result: ThreadOutcome): void {
    const task = this.#byThreadId.get(threadTask.id);
    if (!task) return;
    this.#byThreadId.delete(threadTask.id);
    this.#resources.release(task.order.resources);
    if (this.#tasks.get(task.order.key) === task) this.#tasks.delete(task.order.key);
    if (task.order.actor) this.#actors.callEnded(task.order.actor.actor);
    if (result.ok) {
      const nbytes = this.storeValue(task.order.key, result.value);
      const report: TaskFinishedReport = { key: task.order.key, nbytes, duration: result.duration, start: result.start, thread: result.thread, transfer: task.transferMs };
      if (task.direct) {
        // The client that called waits for the value itself, whatever its size; it tells the scheduler.
        report.value = toWire(result.value);
        this.effects.answerDirect(task.direct, task.order.key, { report });
      } else {
        if (nbytes <= INLINE_RESULT_BYTES) report.value = toWire(result.value);
        if (this.#reports.push(report) === 1) this.effects.reportsQueued();
      }
    } else {
      this.#fail(task, result.error, result.duration, result.start, result.thread);
    }
    this.effects.pumpSoon();
  }

  /** The completion reports queued since the last call, for one `task-finished` message. */
  takeReports(): TaskFinishedReport[] {
    const reports = this.#reports;
    this.#reports = [];
    return reports;
  }

  #fail(task: LocalTask, error: WireError, duration: number, start = this.#now(), thread = -1): void {
    this.#tasks.delete(task.order.key);
    if (task.direct) {
      this.effects.answerDirect(task.direct, task.order.key, { error, duration });
      return;
    }
    this.effects.send({ op: 'task-erred', key: task.order.key, error, duration, start, thread });
  }

  /** The tasks' thread died: they go back to the ready queue (`requeue`) or fail with the reason. */
  threadLost(tasks: ThreadTask[], reason: string): void {
    for (const threadTask of tasks) {
      const task = this.#byThreadId.get(threadTask.id);
      if (!task) continue;
      this.#byThreadId.delete(threadTask.id);
      this.#resources.release(task.order.resources);
      if (reason === 'requeue') {
        task.state = 'ready';
        this.#ready.push(task);
      } else {
        this.#fail(task, { name: 'WorkerThreadError', message: `the task thread running ${task.order.key} died: ${reason}` }, 0);
      }
    }
    this.effects.pumpSoon();
  }

  /** Drops every task (cancelling those on threads), as when the scheduler forgot this worker. */
  reset(): void {
    for (const task of this.#tasks.values()) {
      if (task.direct) this.effects.answerDirect(task.direct, task.order.key, { error: notRun(this.#actors.lostError(task.order.actor!.actor, task.order.key)), duration: 0 });
    }
    this.#actors.reset();
    for (const task of this.#tasks.values()) if (task.state === 'dispatched') this.threads.cancel(task.id);
    this.#tasks.clear();
    this.#byThreadId.clear();
    this.#waiters.clear();
    this.#ready = new Heap<LocalTask>(runsBefore);
    this.#resources.clear();
  }
}
