/**
 * How many tasks of one function a task thread's queue may hold, from the function's measured mean run
 * time: deep for sub-millisecond tasks, a couple of milliseconds' worth for tasks up to 10 ms, one at a
 * time for long or not yet measured ones. The thread pool (thread-pool.ts) asks it for every dispatch.
 */

const SHORT_TASK_MICROS = 1_000;
const DEEP_QUEUE = 64;
/**
 * Tasks up to this long (measured mean) keep a few queued on their thread behind the one running, so the
 * thread goes from one to the next without waiting for the main thread: a result posted and the next
 * task sent back cost a hop of 0.1-0.5 ms, a third of a 1 ms task. Longer ones go one at a time (the hop
 * is then a few percent, and a task queued on a thread cannot be overtaken by a later, more urgent one).
 */
const QUEUED_TASK_MAX_MICROS = 10_000;
/** Work kept queued on a thread behind its running task (of tasks up to QUEUED_TASK_MAX_MICROS): covers the hop. */
const THREAD_BACKLOG_MICROS = 2_000;

/** Mean run time per function URL, and the queue depth it allows. */
export class QueueDepths {
  readonly #meanMicros = new Map<string, number>();

  /** A task of `fnUrl` ran for `durationMicros`: moves the function's mean toward it. */
  record(fnUrl: string, durationMicros: number): void {
    const old = this.#meanMicros.get(fnUrl);
    this.#meanMicros.set(fnUrl, old === undefined ? durationMicros : old * 0.8 + durationMicros * 0.2);
  }

  /** How many tasks of `fnUrl` one thread's queue may hold, the running one included. */
  of(fnUrl: string): number {
    const mean = this.#meanMicros.get(fnUrl);
    if (mean === undefined || mean >= QUEUED_TASK_MAX_MICROS) return 1;
    if (mean < SHORT_TASK_MICROS) return DEEP_QUEUE;
    return 1 + Math.ceil(THREAD_BACKLOG_MICROS / mean);
  }
}
