/**
 * Tells the scheduler which tasks this worker is running, without a message per short task.
 *
 * The scheduler must know what ran when a worker died, to stop a task that kills every worker it
 * runs on (KilledWorkerError). A task whose function has never finished on this worker is reported
 * at once: it may end the process before any later message. A task whose function has finished here
 * before is reported only if it is still running after `delayMs`: short tasks (the common case) then
 * cost no message, and a round trip is one message each way. If a worker dies with nothing reported
 * running, the scheduler blames every task it had given that worker (see SchedulerState.removeWorker),
 * so a task that kills workers is stopped either way.
 */

/** How long a task of a proven function may run before the scheduler hears that it runs. */
export const DEFERRED_START_MS = 10;

export class StartNotices {
  /** Functions (by URL) that finished on this worker at least once, with a result or an error. */
  readonly #proven = new Set<string>();
  readonly #unreported = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param send Sends a `started` notice for these keys.
   * @param stillRunning The keys of the tasks running now (a deferred notice names only those).
   */
  constructor(
    private readonly send: (keys: string[]) => void,
    private readonly stillRunning: () => Iterable<string>,
    private readonly delayMs = DEFERRED_START_MS,
  ) {}

  /** A task became the one its thread runs. */
  started(key: string, fnUrl: string): void {
    if (!this.#proven.has(fnUrl)) {
      this.send([key]);
      return;
    }
    this.#unreported.add(key);
    this.#timer ??= setTimeout(() => this.#flush(), this.delayMs);
  }

  /** A task finished (with a result or an error): its function is proven not to end the process at once. */
  ended(key: string, fnUrl: string): void {
    this.#proven.add(fnUrl);
    this.#unreported.delete(key);
    // Nothing left to report: a timer firing later would only wake the worker for nothing (one task at
    // a time, as in a submit → result loop, would otherwise wake it every delayMs).
    if (this.#unreported.size === 0 && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unreported.clear();
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#unreported.size === 0) return;
    const running: string[] = [];
    for (const key of this.stillRunning()) if (this.#unreported.has(key)) running.push(key);
    this.#unreported.clear();
    if (running.length > 0) this.send(running);
  }
}
