/**
 * The worker's task threads. Sends each thread a short queue of tasks (deep for sub-millisecond tasks,
 * one at a time for long ones), receives results, and replaces a thread that was terminated to cancel
 * a running task or that crashed. Also runs one extra thread per actor hosted here (see
 * `openActorThread`): it takes only that actor's tasks and is not replaced when it ends. Knows nothing
 * about the scheduler.
 */
import { SHARE_ENV, Worker as Thread } from 'node:worker_threads';
import { distFile } from '../util/package-paths.js';
import { QueueDepths } from './queue-depths.js';
import type { MainToThread, StoredValue, ThreadOutcome, ThreadTask, ThreadToMain } from './thread-protocol.js';
import { ThreadRuns, type RunResult } from './thread-runs.js';
import { endThread, type ThreadSlot } from './thread-slot.js';

export interface PoolCallbacks {
  onResult(task: ThreadTask, result: ThreadOutcome): void;
  /** A task's thread died under it (crash or termination): the task did not finish. */
  onThreadLost(tasks: ThreadTask[], reason: string): void;
  onLog(level: string, text: string, key: string | undefined): void;
  /** A task became the one its thread is running. */
  onStarted(task: ThreadTask): void;
  /** A thread could not find an input it was told it had computed: send the task again with values. */
  onRequeue(task: ThreadTask): void;
  /** A running task gave up its thread (secede): the thread takes the next task while it goes on. */
  onSeceded(task: ThreadTask): void;
  /** The thread of actor `actor` ended (crash, restart, cancelled construction) with `tasks` unfinished on it. */
  onActorThreadEnded(actor: string, tasks: ThreadTask[], reason: string): void;
}

/** Tasks chained behind their inputs on one thread; beyond this they wait on the main thread. */
const PINNED_QUEUE_LIMIT = 4_096;

export class ThreadPool {
  readonly #slots: ThreadSlot[] = [];
  /** Actors' threads by index (indices from `size` on, never reused). */
  readonly #actorSlots = new Map<number, ThreadSlot>();
  #nextActorIndex: number;
  readonly #entry = distFile('src/worker/task-thread.js');
  readonly #runs = new ThreadRuns();
  #closed = false;
  /** Mean run time per function URL, to choose queue depth. */
  readonly #depths = new QueueDepths();

  /** `threadData` goes to every thread's workerData (how tasks reach the scheduler for getClient). */
  constructor(readonly size: number, private readonly name: string, private readonly callbacks: PoolCallbacks, private readonly threadData: object = {}) {
    for (let i = 0; i < size; i++) this.#slots.push(this.#spawn(i));
    this.#nextActorIndex = size;
  }

  /**
   * A slot for a task thread (started when it is first sent something) or an actor's thread (started now).
   * A task thread costs about 10 MB and tens of milliseconds of CPU to start; an idle worker (and a cluster
   * starting many workers on few cores) is spared them until there is work, as Python's thread pools do.
   */
  #spawn(index: number, actor?: string): ThreadSlot {
    const name = actor === undefined ? `${this.name}/thread-${index}` : `${this.name}/actor-${index}`;
    const slot: ThreadSlot = { index, thread: undefined, name, queue: [], seceded: new Map(), alive: true, ...(actor === undefined ? {} : { actor }) };
    if (actor !== undefined) this.#start(slot);
    return slot;
  }

  /** The slot's thread, started if it was not yet. */
  #start(slot: ThreadSlot): Thread {
    if (slot.thread) return slot.thread;
    const thread = new Thread(this.#entry, { env: SHARE_ENV, workerData: { ...this.threadData, name: slot.name, index: slot.index }, stdout: false, stderr: false });
    slot.thread = thread;
    thread.on('message', (message: ThreadToMain) => this.#onMessage(slot, message));
    // A thread started late, or a replacement (after a crash or a cancelled task), gets the worker's setups first.
    for (const setup of this.#setups?.values() ?? []) thread.postMessage({ t: 'setup', id: 0, fnUrl: setup.fnUrl, args: setup.args } satisfies MainToThread);
    thread.on('error', (error) => this.#onExit(slot, `thread crashed: ${error.stack ?? error.message}`));
    thread.on('exit', (code) => this.#onExit(slot, `thread exited with code ${code}`));
    return thread;
  }

  /** How many more tasks may be sent to threads now. */
  freeSlots(fnUrl: string): number {
    let free = 0;
    for (const slot of this.#slots) if (slot.alive) free += Math.max(0, this.#depth(slot, fnUrl) - slot.queue.length);
    return free;
  }

  /**
   * How many tasks of `fnUrl` a thread's queue may hold (the running one included): deep for short tasks,
   * a couple of milliseconds' worth (see queue-depths.ts) for tasks up to 10 ms, and
   * one for long or not yet measured ones, or behind such a task. A task queued on a thread can no longer
   * be overtaken by a higher-priority task that arrives later, so nothing waits there behind a long task;
   * it waits in the worker's priority queue.
   */
  #depth(slot: ThreadSlot, fnUrl: string): number {
    const depth = this.#depths.of(fnUrl);
    const head = slot.queue[0];
    return head === undefined || head.fnUrl === fnUrl ? depth : Math.min(depth, this.#depths.of(head.fnUrl));
  }



  /** Thread index each queued task went to. */
  readonly placement = new Map<number, number>();

  /**
   * Starts a thread of its own for actor `actor` (setups run there first) and returns its index, for
   * `dispatchTo`. It takes no other task, and is not replaced when it ends.
   */
  openActorThread(actor: string): number {
    const index = this.#nextActorIndex++;
    this.#actorSlots.set(index, this.#spawn(index, actor));
    return index;
  }

  /** Ends an actor's thread (the actor was released); what it was running is dropped. */
  closeActorThread(index: number): void {
    const slot = this.#actorSlots.get(index);
    if (!slot) return;
    this.#retireActorSlot(slot);
  }

  #retireActorSlot(slot: ThreadSlot): ThreadTask[] {
    this.#actorSlots.delete(slot.index);
    slot.alive = false;
    const lost = [...slot.queue, ...slot.seceded.values()];
    slot.queue = [];
    slot.seceded.clear();
    for (const task of lost) this.placement.delete(task.id);
    this.#runs.abandon(slot, 'its actor ended');
    slot.thread?.removeAllListeners('exit');
    slot.thread?.removeAllListeners('error');
    this.#endInBackground(slot);
    return lost;
  }

  /** Every thread: the task threads, then the actors'. */
  #everySlot(): ThreadSlot[] {
    return this.#actorSlots.size === 0 ? this.#slots : [...this.#slots, ...this.#actorSlots.values()];
  }

  /** Appends tasks to one thread's queue, behind the inputs they take from it. False when it is full or gone. */
  dispatchTo(index: number, tasks: ThreadTask[]): boolean {
    const slot = this.#slots[index] ?? this.#actorSlots.get(index);
    if (!slot || !slot.alive || slot.queue.length + tasks.length > PINNED_QUEUE_LIMIT) return false;
    for (const task of tasks) {
      slot.queue.push(task);
      this.placement.set(task.id, index);
      if (slot.queue.length === 1) this.callbacks.onStarted(task);
    }
    this.#post(slot, { t: 'tasks', tasks });
    return true;
  }

  /** Sends tasks to the least busy threads; returns those that did not fit. */
  dispatch(tasks: ThreadTask[]): ThreadTask[] {
    const batches = new Map<ThreadSlot, ThreadTask[]>();
    const leftover: ThreadTask[] = [];
    for (const task of tasks) {
      let best: ThreadSlot | undefined;
      for (const slot of this.#slots) {
        if (!slot.alive || slot.queue.length >= this.#depth(slot, task.fnUrl)) continue;
        if (!best || slot.queue.length < best.queue.length) best = slot;
      }
      if (!best) {
        leftover.push(task);
        continue;
      }
      best.queue.push(task);
      this.placement.set(task.id, best.index);
      if (best.queue.length === 1) this.callbacks.onStarted(task);
      let batch = batches.get(best);
      if (!batch) batches.set(best, (batch = []));
      batch.push(task);
    }
    for (const [slot, batch] of batches) this.#post(slot, { t: 'tasks', tasks: batch });
    return leftover;
  }

  /** Stops a task: drops it from its thread's queue, or ends the thread that is running it. */
  cancel(taskId: number): void {
    for (const slot of this.#everySlot()) {
      if (slot.actor !== undefined) {
        this.#cancelOnActor(slot, taskId);
        continue;
      }
      if (slot.seceded.delete(taskId)) {
        // A seceded task may wait forever (a queue, an event): end its thread; the thread's other tasks run again elsewhere.
        const requeue = [...slot.queue, ...slot.seceded.values()];
        slot.queue = [];
        slot.seceded.clear();
        for (const task of requeue) this.placement.delete(task.id);
        this.#replace(slot, 'cancelled');
        if (requeue.length) this.callbacks.onThreadLost(requeue, 'requeue');
        return;
      }
      const position = slot.queue.findIndex((t) => t.id === taskId);
      if (position < 0) continue;
      this.placement.delete(taskId);
      if (position > 0) {
        slot.queue.splice(position, 1);
        this.#post(slot, { t: 'drop', ids: [taskId] });
      } else {
        // The task is running: the only way to stop JavaScript that does not yield is to end its thread.
        const requeue = [...slot.queue.slice(1), ...slot.seceded.values()];
        slot.queue = [];
        slot.seceded.clear();
        this.#replace(slot, 'cancelled');
        if (requeue.length) this.callbacks.onThreadLost(requeue, 'requeue');
      }
      return;
    }
  }

  /**
   * On an actor's thread a queued task is dropped, and a running call is left to finish (ending the
   * thread would end the actor); a construction that is cancelled ends the thread.
   */
  #cancelOnActor(slot: ThreadSlot, taskId: number): void {
    const position = slot.queue.findIndex((t) => t.id === taskId);
    if (position < 0) return;
    const task = slot.queue[position]!;
    if (position === 0 && task.actor?.kind === 'create') {
      const lost = this.#retireActorSlot(slot);
      this.callbacks.onActorThreadEnded(slot.actor!, lost.filter((t) => t.id !== taskId), 'its construction was cancelled');
      return;
    }
    if (position === 0) return;
    slot.queue.splice(position, 1);
    this.placement.delete(taskId);
    this.#post(slot, { t: 'drop', ids: [taskId] });
  }

  /** Runs `fnUrl` on every thread (client.run): its effects reach later tasks on each thread. */
  runOnAll(fnUrl: string, args: StoredValue, kind: 'run' | 'setup' = 'run'): Promise<RunResult[]> {
    const alive = this.#everySlot().filter((s) => s.alive);
    return this.#runs.start(alive, (slot, id) => this.#post(slot, { t: kind, id, fnUrl, args }));
  }

  /** Setups run on every thread now and on every thread started later, before its first task. */
  readonly #setups = new Map<string, { fnUrl: string; args: StoredValue }>();

  addSetup(name: string, fnUrl: string, args: StoredValue): Promise<RunResult[]> {
    // Threads not started yet start now, with the setups known so far; the new one then runs once on each.
    for (const slot of this.#everySlot()) if (slot.alive) this.#start(slot);
    this.#setups.set(name, { fnUrl, args });
    return this.runOnAll(fnUrl, args, 'setup');
  }

  removeSetup(name: string): void {
    this.#setups.delete(name);
  }

  /** The index of the task thread with this `threadId` (for the profiler), or undefined. */
  threadIndexOf(threadId: number): number | undefined {
    return this.#slots.find((slot) => slot.alive && slot.thread?.threadId === threadId)?.index;
  }

  executingTasks(): ThreadTask[] {
    const out: ThreadTask[] = [];
    for (const slot of this.#everySlot()) {
      if (!slot.alive) continue;
      if (slot.queue.length > 0) out.push(slot.queue[0]!);
      for (const task of slot.seceded.values()) out.push(task);
    }
    return out;
  }

  /** client.restart: every thread is replaced (fresh globals and module caches); their tasks are dropped. */
  restart(): void {
    for (const slot of [...this.#actorSlots.values()]) this.callbacks.onActorThreadEnded(slot.actor!, this.#retireActorSlot(slot), 'the worker restarted');
    for (const slot of [...this.#slots]) {
      if (!slot.alive) continue;
      for (const task of slot.queue) this.placement.delete(task.id);
      slot.queue = [];
      slot.seceded.clear();
      this.#replace(slot, 'restarted');
    }
  }


  #post(slot: ThreadSlot, message: MainToThread): void {
    this.#start(slot).postMessage(message);
  }

  #onMessage(slot: ThreadSlot, message: ThreadToMain): void {
    switch (message.t) {
      case 'results':
        for (const result of message.results) {
          const index = slot.queue.findIndex((t) => t.id === result.id);
          const task = index >= 0 ? slot.queue.splice(index, 1)[0] : slot.seceded.get(result.id);
          if (!task) continue; // dropped or cancelled meanwhile
          slot.seceded.delete(result.id);
          this.placement.delete(task!.id);
          if ('requeue' in result) {
            this.callbacks.onRequeue(task!);
            continue;
          }
          this.#depths.record(task!.fnUrl, result.duration);
          this.callbacks.onResult(task!, result);
        }
        if (slot.queue.length > 0) this.callbacks.onStarted(slot.queue[0]!);
        break;
      case 'seceded': {
        const index = slot.queue.findIndex((t) => t.id === message.id);
        if (index < 0) break;
        const task = slot.queue.splice(index, 1)[0]!;
        slot.seceded.set(task.id, task);
        this.placement.delete(task.id);
        this.callbacks.onSeceded(task);
        if (index === 0 && slot.queue.length > 0) this.callbacks.onStarted(slot.queue[0]!);
        break;
      }
      case 'sockets-opened':
        slot.socketsClosed ??= new Promise<void>((resolve) => (slot.onSocketsClosed = resolve));
        break;
      case 'ending':
        if (slot.alive && slot.actor !== undefined && !this.#closed) this.#onExit(slot, message.reason);
        // After the microtasks queued meanwhile, among them the send of the scheduler's `actor-lost`.
        queueMicrotask(() => {
          Atomics.store(message.proceed, 0, 1);
          Atomics.notify(message.proceed, 0);
        });
        break;
      case 'sockets-closed':
        slot.onSocketsClosed?.();
        break;
      case 'run-result':
        this.#runs.answer(message.id, slot, { ok: message.ok, value: message.value, error: message.error });
        break;
      case 'log':
        this.callbacks.onLog(message.level, message.text, message.key);
        break;
      case 'ready':
        break;
    }
  }

  #onExit(slot: ThreadSlot, reason: string): void {
    if (!slot.alive || this.#closed) return;
    if (slot.actor !== undefined) {
      this.callbacks.onActorThreadEnded(slot.actor, this.#retireActorSlot(slot), reason);
      return;
    }
    const lost = [...slot.queue, ...slot.seceded.values()];
    slot.queue = [];
    slot.seceded.clear();
    for (const task of lost) this.placement.delete(task.id);
    this.#replace(slot, reason);
    if (lost.length) this.callbacks.onThreadLost(lost, reason);
  }

  #replace(slot: ThreadSlot, reason: string): void {
    slot.alive = false;
    this.#runs.abandon(slot, reason);
    slot.thread?.removeAllListeners('exit');
    slot.thread?.removeAllListeners('error');
    this.#endInBackground(slot);
    if (this.#closed) return;
    this.#slots[slot.index] = this.#spawn(slot.index);
  }

  /** Threads being ended (retired or replaced): closing waits for them too. */
  readonly #ending = new Set<Promise<void>>();

  /**
   * Ends a retired or replaced thread without waiting here, but not without waiting at all: the worker's
   * close waits for it, since a process that exits while a thread still has sockets open aborts.
   */
  #endInBackground(slot: ThreadSlot): void {
    const ending = endThread(slot).finally(() => this.#ending.delete(ending));
    this.#ending.add(ending);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#everySlot().map((slot) => {
      slot.alive = false;
      return endThread(slot);
    }), ...this.#ending]);
  }
}
