/**
 * Adaptive scaling: how many jobs the scheduler's pending work calls for, and the loop that asks for
 * them, in whole jobs. Scaling up happens at once; scaling down only after `waitCount` checks in a row
 * found too many jobs, and only retires jobs whose workers are idle, so it never fights itself, even
 * when one job runs several worker processes.
 */
import type { SchedulerView } from '../scheduler/scheduler-view.js';
import type { ResolvedAdaptOptions } from './options.js';

/** Expected run time of a task whose group has not finished a task yet, in seconds (as Dask assumes). */
export const UNKNOWN_TASK_SECONDS = 0.5;

/** The scheduler's pending work, as adaptive scaling sees it. */
export interface Workload {
  /** Tasks waiting for inputs, queued for a free worker, or processing. */
  readonly pendingTasks: number;
  /** Of those, tasks no worker holds yet (waiting or queued): the ones new workers could take. */
  readonly unplacedTasks: number;
  /** Their expected total run time, in seconds (group means so far; {@link UNKNOWN_TASK_SECONDS} when unknown). */
  readonly pendingWorkSeconds: number;
  /** Task threads of connected workers that have nothing assigned. */
  readonly freeThreads: number;
}

/** Reads the pending work from the scheduler's state (called from the scheduler's own process). */
export function readWorkload(state: Pick<SchedulerView, 'tasks' | 'workers' | 'durations'>): Workload {
  let pendingTasks = 0;
  let unplacedTasks = 0;
  let pendingMicros = 0;
  for (const task of state.tasks.values()) {
    if (task.state !== 'waiting' && task.state !== 'queued' && task.state !== 'processing') continue;
    pendingTasks += 1;
    if (task.state !== 'processing') unplacedTasks += 1;
    pendingMicros += state.durations.mean(task.group) ?? UNKNOWN_TASK_SECONDS * 1e6;
  }
  let freeThreads = 0;
  for (const worker of state.workers.values()) {
    if (worker.status === 'running') freeThreads += Math.max(0, worker.info.nthreads - worker.processing.size);
  }
  return { pendingTasks, unplacedTasks, pendingWorkSeconds: pendingMicros / 1e6, freeThreads };
}

/**
 * The number of jobs the workload calls for, within the options' limits: enough threads to run the
 * pending work in `targetDurationMs`, at least one worker while anything is pending. It never asks for
 * more than `currentJobs` while a connected worker has a free thread or every pending task is already
 * placed on a worker (new workers would get nothing).
 */
export function adaptiveJobTarget(
  workload: Workload,
  currentJobs: number,
  shape: { readonly processes: number; readonly threadsPerProcess: number },
  options: Pick<ResolvedAdaptOptions, 'minimumJobs' | 'maximumJobs' | 'targetDurationMs'>,
): number {
  const threads = Math.ceil((workload.pendingWorkSeconds * 1000) / options.targetDurationMs);
  const workers = Math.max(workload.pendingTasks > 0 ? 1 : 0, Math.ceil(threads / shape.threadsPerProcess));
  let jobs = Math.ceil(workers / shape.processes);
  const moreWouldHelp = workload.unplacedTasks > 0 && workload.freeThreads === 0;
  if (jobs > currentJobs && !moreWouldHelp) jobs = currentJobs;
  return Math.min(options.maximumJobs, Math.max(options.minimumJobs, jobs));
}

/** What one adaptive check decided. */
export interface AdaptiveDecision {
  /** Jobs to have after this check (unchanged when holding). */
  readonly jobs: number;
  readonly action: 'up' | 'down' | 'hold';
}

/** The hysteresis of adaptive scaling, kept apart from timers so it can be tested step by step. */
export class AdaptiveHysteresis {
  #tooManyChecks = 0;

  constructor(private readonly waitCount: number) {}

  /** Decides from the target of this check and the jobs the cluster has now. */
  decide(target: number, currentJobs: number): AdaptiveDecision {
    if (target > currentJobs) {
      this.#tooManyChecks = 0;
      return { jobs: target, action: 'up' };
    }
    if (target === currentJobs) {
      this.#tooManyChecks = 0;
      return { jobs: currentJobs, action: 'hold' };
    }
    this.#tooManyChecks += 1;
    if (this.#tooManyChecks < this.waitCount) return { jobs: currentJobs, action: 'hold' };
    this.#tooManyChecks = 0;
    return { jobs: target, action: 'down' };
  }
}

/**
 * The handle `adapt()` returns: runs `check` every `intervalMs` (never two at once) until stopped.
 * A failing check is reported to `onError` and the loop goes on.
 * @example
 * ```ts
 * const adaptive = cluster.adapt({ minimum: 1, maximum: 10 });
 * // … work …
 * await adaptive.stop(); // the jobs stay as they are
 * ```
 */
export class Adaptive {
  /** The `adapt()` options after defaults were filled in. */
  readonly options: ResolvedAdaptOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();
  #checks = 0;

  /** @internal Created by the cluster's `adapt()`. */
  constructor(options: ResolvedAdaptOptions, private readonly check: () => Promise<void>, private readonly onError: (error: unknown) => void) {
    this.options = options;
    this.#schedule(0);
  }

  /** Checks run to their end so far (failed ones included): proof that the loop looked, for tests and logs. */
  get checks(): number {
    return this.#checks;
  }

  /** Whether the loop still runs. */
  get active(): boolean {
    return !this.#stopped;
  }

  /** Stops adapting; the jobs stay as they are. Resolves when a check in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.check()
        .catch((error: unknown) => this.onError(error))
        .finally(() => {
          this.#checks += 1;
          this.#schedule(this.options.intervalMs);
        });
    }, delayMs);
    this.#timer.unref();
  }
}
