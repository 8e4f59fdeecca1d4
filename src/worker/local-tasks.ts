/**
 * The tasks the scheduler gave this worker, from `compute` to the report that they finished: which
 * inputs each still waits for (fetching those held by peers), which are ready, in priority order, and
 * which run on which thread. Dispatches ready tasks to the thread pool, chains dependents behind their
 * inputs on one thread, stores results and reports them. Separate from the worker's scheduler link and
 * life cycle because this is where a task's hot path runs, and it is the part with the subtle state.
 */
import type { ComputeOrder, TaskFinishedReport, WireError } from '../protocol/messages.js';
import { toWireError } from '../protocol/wire-error.js';
import type { DealerLink } from '../transport/endpoints.js';
import type { PeerPool } from '../transport/peer-pool.js';
import { Heap } from '../util/heap.js';
import type { Logger } from '../util/logger.js';
import type { LocalFiles } from './local-files.js';
import { ResourceLedger } from './resource-ledger.js';
import { fromWire, toWire, type StoredData } from './stored-data.js';
import type { ThreadPool } from './thread-pool.js';
import type { StoredValue, ThreadOutcome, ThreadTask } from './thread-protocol.js';

/** Results up to this size travel with the completion report, so waiting clients get them in one hop. */
const INLINE_RESULT_BYTES = 64 * 1024;

interface LocalTask {
  id: number;
  order: ComputeOrder;
  /** Inputs still missing: computed here later, or being fetched. */
  missing: Set<string>;
  state: 'waiting' | 'ready' | 'dispatched';
  /** Milliseconds spent fetching inputs from peers. */
  transferMs: number;
}

/** Higher priority first; among equals, the task accepted first. */
function runsBefore(a: LocalTask, b: LocalTask): boolean {
  return a.order.priority !== b.order.priority ? a.order.priority > b.order.priority : a.id < b.id;
}

export class LocalTasks {
  #tasks = new Map<string, LocalTask>();
  #byThreadId = new Map<number, LocalTask>();
  #waiters = new Map<string, Set<LocalTask>>();
  #ready = new Heap<LocalTask>(runsBefore);
  readonly #resources: ResourceLedger;
  #nextId = 1;
  #reports: TaskFinishedReport[] = [];
  #reportScheduled = false;
  #pumpScheduled = false;

  constructor(
    private readonly data: StoredData,
    private readonly pool: ThreadPool,
    private readonly files: LocalFiles,
    private readonly peers: PeerPool,
    private readonly link: DealerLink,
    private readonly log: Logger,
    offeredResources: Record<string, number>,
  ) {
    this.#resources = new ResourceLedger(offeredResources);
  }

  /** Tasks accepted and not yet finished, failed or cancelled. */
  get size(): number {
    return this.#tasks.size;
  }

  accept(order: ComputeOrder): void {
    if (this.#tasks.has(order.key)) return;
    const task: LocalTask = { id: this.#nextId++, order, missing: new Set(), state: 'waiting', transferMs: 0 };
    this.#tasks.set(order.key, task);
    const toFetch = new Map<string, string[]>();
    for (const dep of order.deps) {
      if (this.data.has(dep.key)) continue;
      task.missing.add(dep.key);
      this.#addWaiter(dep.key, task);
      if (!dep.local && !this.#tasks.has(dep.key)) toFetch.set(dep.key, dep.holders);
    }
    if (task.missing.size === 0) this.#makeReady(task);
    else if (toFetch.size > 0) void this.#fetch(task, toFetch);
    else this.#pinBehindInputs(task);
  }

  /** A task whose missing inputs all run on one thread follows them there (see #chainBehind). */
  #pinBehindInputs(task: LocalTask): void {
    if (task.order.resources) return;
    let slot: number | undefined;
    for (const key of task.missing) {
      const producer = this.#tasks.get(key);
      const placed = producer?.state === 'dispatched' ? this.pool.placement.get(producer.id) : undefined;
      if (placed === undefined || (slot !== undefined && placed !== slot)) return;
      slot = placed;
    }
    if (slot === undefined) return;
    const threadTask = this.#threadTask(task, this.files.functionUrl(task.order.fn));
    if (!this.pool.dispatchTo(slot, [threadTask])) return;
    task.state = 'dispatched';
    this.#byThreadId.set(task.id, task);
    for (const key of task.missing) this.#waiters.get(key)?.delete(task);
    this.#chainBehind(threadTask);
  }

  #addWaiter(key: string, task: LocalTask): void {
    let set = this.#waiters.get(key);
    if (!set) this.#waiters.set(key, (set = new Set()));
    set.add(task);
  }

  async #fetch(task: LocalTask, wanted: Map<string, string[]>): Promise<void> {
    const started = performance.now();
    const byHolder = new Map<string, string[]>();
    for (const [key, holders] of wanted) {
      const holder = holders[Math.floor(Math.random() * holders.length)];
      if (!holder) continue;
      byHolder.set(holder, [...(byHolder.get(holder) ?? []), key]);
    }
    const missing: string[] = [...wanted.keys()].filter((k) => (wanted.get(k) ?? []).length === 0);
    await Promise.all([...byHolder].map(async ([holder, keys]) => {
      try {
        const reply = await this.peers.getData(holder, keys, 30_000);
        for (const [key, value] of Object.entries(reply.values)) {
          if (!this.data.has(key)) this.storeValue(key, fromWire(value, false));
        }
        missing.push(...reply.missing);
      } catch (error) {
        this.log.warn(`could not fetch ${keys.join(', ')} from ${holder}: ${(error as Error).message}`);
        missing.push(...keys);
      }
    }));
    task.transferMs += performance.now() - started;
    if (missing.length > 0 && this.#tasks.get(task.order.key) === task) {
      this.#tasks.delete(task.order.key);
      for (const key of task.missing) this.#waiters.get(key)?.delete(task);
      this.link.send({ op: 'missing-data', key: task.order.key, missing });
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
    this.#ready.push(task);
  }

  cancel(key: string): void {
    const task = this.#tasks.get(key);
    if (!task) return;
    this.#tasks.delete(key);
    for (const dep of task.missing) this.#waiters.get(dep)?.delete(task);
    if (task.state === 'ready') this.#ready.removeWhere((t) => t === task);
    if (task.state === 'dispatched') {
      this.#byThreadId.delete(task.id);
      this.#resources.release(task.order.resources);
      this.pool.cancel(task.id);
    }
  }

  /** Sends ready tasks to threads with room, in priority order, a batch per function. */
  pump(): void {
    while (this.#ready.size > 0) {
      const head = this.#ready.peek()!;
      let url: string;
      try {
        url = this.files.functionUrl(head.order.fn);
      } catch (error) {
        this.#ready.pop();
        this.#fail(head, toWireError(error, head.order.key), 0);
        continue;
      }
      const free = this.pool.freeSlots(url);
      if (free === 0) return;
      const batch: ThreadTask[] = [];
      while (batch.length < free && this.#ready.size > 0) {
        const task = this.#ready.peek()!;
        if (this.files.functionUrl(task.order.fn) !== url) break;
        if (!this.#resources.acquire(task.order.resources)) break;
        this.#ready.pop();
        task.state = 'dispatched';
        this.#byThreadId.set(task.id, task);
        batch.push(this.#threadTask(task, url));
      }
      if (batch.length === 0) return;
      const leftovers = new Set(this.pool.dispatch(batch));
      for (const leftover of leftovers) {
        const task = this.#byThreadId.get(leftover.id)!;
        this.#byThreadId.delete(leftover.id);
        this.#resources.release(task.order.resources);
        task.state = 'ready';
        this.#ready.push(task);
      }
      for (const sent of batch) if (!leftovers.has(sent)) this.#chainBehind(sent);
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
    };
  }

  /**
   * Tasks waiting only for inputs that run (or are queued) on the thread `sent` went to follow it onto
   * that thread at once, taking those inputs from the thread's own recent results: a chain of tasks
   * then runs back to back on one thread instead of bouncing through this main thread per link.
   */
  #chainBehind(sent: ThreadTask): void {
    const slot = this.pool.placement.get(sent.id);
    if (slot === undefined) return;
    const onSlot = new Set<string>([sent.key]);
    const chained: LocalTask[] = [];
    const frontier = [sent.key];
    while (frontier.length > 0 && chained.length < 4_000) {
      const key = frontier.pop()!;
      for (const waiter of this.#waiters.get(key) ?? []) {
        if (waiter.state !== 'waiting' || waiter.order.resources) continue;
        let fits = true;
        for (const missing of waiter.missing) {
          const producer = this.#tasks.get(missing);
          const placed = onSlot.has(missing) || (producer?.state === 'dispatched' && this.pool.placement.get(producer.id) === slot);
          if (!placed) {
            fits = false;
            break;
          }
        }
        if (!fits) continue;
        waiter.state = 'dispatched';
        chained.push(waiter);
        onSlot.add(waiter.order.key);
        frontier.push(waiter.order.key);
      }
    }
    if (chained.length === 0) return;
    const tasks = chained.map((task) => this.#threadTask(task, this.files.functionUrl(task.order.fn)));
    if (!this.pool.dispatchTo(slot, tasks)) {
      for (const task of chained) task.state = 'waiting';
      return;
    }
    for (const task of chained) {
      this.#byThreadId.set(task.id, task);
      for (const missing of task.missing) this.#waiters.get(missing)?.delete(task);
    }
  }

  /** A thread lacked an input it was said to have computed: wait for the inputs here again. */
  onRequeue(threadTask: ThreadTask): void {
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
    this.#schedulePump();
  }

  onResult(threadTask: ThreadTask, result: ThreadOutcome): void {
    const task = this.#byThreadId.get(threadTask.id);
    if (!task) return;
    this.#byThreadId.delete(threadTask.id);
    this.#resources.release(task.order.resources);
    if (this.#tasks.get(task.order.key) === task) this.#tasks.delete(task.order.key);
    if (result.ok) {
      const nbytes = this.storeValue(task.order.key, result.value);
      const report: TaskFinishedReport = { key: task.order.key, nbytes, duration: result.duration, start: result.start, thread: result.thread, transfer: task.transferMs };
      if (nbytes <= INLINE_RESULT_BYTES) report.value = toWire(result.value);
      this.#queueReport(report);
    } else {
      this.#fail(task, result.error, result.duration, result.start, result.thread);
    }
    this.#schedulePump();
  }

  #fail(task: LocalTask, error: WireError, duration: number, start = Date.now(), thread = -1): void {
    this.#tasks.delete(task.order.key);
    this.link.send({ op: 'task-erred', key: task.order.key, error, duration, start, thread });
  }

  /** Completion reports of one turn of the event loop travel in one message. */
  #queueReport(report: TaskFinishedReport): void {
    this.#reports.push(report);
    if (this.#reportScheduled) return;
    this.#reportScheduled = true;
    queueMicrotask(() => {
      this.#reportScheduled = false;
      const reports = this.#reports;
      this.#reports = [];
      this.link.send({ op: 'task-finished', reports });
    });
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.pump();
    });
  }

  /** The tasks' thread died: they go back to the ready queue (`requeue`) or fail with the reason. */
  onThreadLost(tasks: ThreadTask[], reason: string): void {
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
    this.#schedulePump();
  }

  /** Drops every task (cancelling those on threads), as when the scheduler forgot this worker. */
  reset(): void {
    for (const task of this.#tasks.values()) if (task.state === 'dispatched') this.pool.cancel(task.id);
    this.#tasks.clear();
    this.#byThreadId.clear();
    this.#waiters.clear();
    this.#ready = new Heap<LocalTask>(runsBefore);
    this.#resources.clear();
  }
}
