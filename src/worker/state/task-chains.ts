/**
 * Chains on one thread: a task waiting only for inputs that run (or are queued) on one task thread is
 * sent to that thread at once, behind them, and takes those inputs from the thread's own recent results.
 * A chain of tasks then runs back to back on one thread instead of bouncing through the main thread per
 * link. Part of the worker's task state (task-state.ts), which owns the maps it reads and updates.
 */
import type { ThreadTask } from '../thread-protocol.js';
import type { LocalTask, TaskThreads } from './types.js';

/** Places tasks behind their inputs' thread; it decides with the task state's own maps. */
export class TaskChains {
  constructor(
    /** The task state's tasks by key. */
    private readonly tasks: ReadonlyMap<string, LocalTask>,
    /** The tasks waiting for each missing input. */
    private readonly waiters: ReadonlyMap<string, Set<LocalTask>>,
    /** The tasks on threads, by thread-task id. */
    private readonly byThreadId: Map<number, LocalTask>,
    private readonly threads: TaskThreads,
    /** The thread task for a local task (its function's module URL resolved). */
    private readonly toThreadTask: (task: LocalTask) => ThreadTask,
  ) {}

  /** A task whose missing inputs all run on one thread follows them there (see chainBehind). */
  pinBehindInputs(task: LocalTask): void {
    if (task.order.resources || task.order.actor) return;
    let slot: number | undefined;
    for (const key of task.missing) {
      const producer = this.tasks.get(key);
      const placed = producer?.state === 'dispatched' ? this.threads.placement.get(producer.id) : undefined;
      if (placed === undefined || (slot !== undefined && placed !== slot)) return;
      slot = placed;
    }
    if (slot === undefined) return;
    const threadTask = this.toThreadTask(task);
    if (!this.threads.dispatchTo(slot, [threadTask])) return;
    task.state = 'dispatched';
    this.byThreadId.set(task.id, task);
    for (const key of task.missing) this.waiters.get(key)?.delete(task);
    this.chainBehind(threadTask);
  }

  /**
   * Tasks waiting only for inputs that run (or are queued) on the thread `sent` went to follow it onto
   * that thread at once, taking those inputs from the thread's own recent results: a chain of tasks
   * then runs back to back on one thread instead of bouncing through the main thread per link.
   */
  chainBehind(sent: ThreadTask): void {
    const slot = this.threads.placement.get(sent.id);
    if (slot === undefined) return;
    const onSlot = new Set<string>([sent.key]);
    const chained: LocalTask[] = [];
    const frontier = [sent.key];
    while (frontier.length > 0 && chained.length < 4_000) {
      const key = frontier.pop()!;
      for (const waiter of this.waiters.get(key) ?? []) {
        if (waiter.state !== 'waiting' || waiter.order.resources) continue;
        let fits = true;
        for (const missing of waiter.missing) {
          const producer = this.tasks.get(missing);
          const placed = onSlot.has(missing) || (producer?.state === 'dispatched' && this.threads.placement.get(producer.id) === slot);
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
    const tasks = chained.map((task) => this.toThreadTask(task));
    if (!this.threads.dispatchTo(slot, tasks)) {
      for (const task of chained) task.state = 'waiting';
      return;
    }
    for (const task of chained) {
      this.byThreadId.set(task.id, task);
      for (const missing of task.missing) this.waiters.get(missing)?.delete(task);
    }
  }
}
