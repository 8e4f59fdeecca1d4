/**
 * The recent task runs, for the dashboard's task stream and `client.getTaskStream()`: a bounded ring
 * buffer fed by the scheduler's `task-run` events. Recording starts when the first consumer asks
 * (a dashboard, a client), so a scheduler nobody watches pays nothing per task.
 */
import type { SchedulerSubscriptions, TaskRun } from './events.js';

export class TaskStreamRecorder {
  #runs: TaskRun[] = [];
  #next = 0;
  #listening = false;
  readonly #onRun = (run: TaskRun) => this.record(run);

  constructor(private readonly scheduler: SchedulerSubscriptions, readonly capacity = 50_000) {}

  /** Starts recording (idempotent). */
  start(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.scheduler.on('task-run', this.#onRun);
  }

  stop(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.scheduler.off('task-run', this.#onRun);
  }

  get recording(): boolean {
    return this.#listening;
  }

  record(run: TaskRun): void {
    if (this.#runs.length < this.capacity) this.#runs.push(run);
    else this.#runs[this.#next] = run;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Runs that stopped at or after `since` (ms since the epoch), oldest first. */
  since(since = 0): TaskRun[] {
    const ordered = this.#runs.length < this.capacity ? this.#runs : [...this.#runs.slice(this.#next), ...this.#runs.slice(0, this.#next)];
    return ordered.filter((run) => run.stop >= since);
  }
}
