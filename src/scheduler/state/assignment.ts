/**
 * Where a task runs. Policy only: restrictions first, then the worker where it would start soonest
 * (the work queued there plus fetching the inputs it lacks); and how many tasks a worker may hold at once.
 */
import type { TaskRecord, WorkerRecord } from './types.js';

/** Observed run times per task group, so short tasks can be sent to workers in deep batches. */
export class DurationStats {
  #meanMicros = new Map<string, number>();

  record(group: string, micros: number): void {
    const old = this.#meanMicros.get(group);
    this.#meanMicros.set(group, old === undefined ? micros : old * 0.9 + micros * 0.1);
  }

  mean(group: string): number | undefined {
    return this.#meanMicros.get(group);
  }
}

/** Work a worker is given ahead of time, in microseconds of expected run time per thread. */
const TARGET_BACKLOG_MICROS = 20_000;
const MAX_TASKS_PER_THREAD = 500;

/** Tasks a worker holds against its capacity: those sent to it, less those that gave up their thread. */
export function heldBy(worker: WorkerRecord): number {
  return worker.processing.size - worker.longRunning.size;
}

/**
 * How many tasks of `group` a worker may hold (running plus queued on it). Unknown durations get two per
 * thread; very short tasks up to 500 per thread, so a worker never idles waiting for the scheduler.
 */
export function workerCapacity(worker: WorkerRecord, group: string, stats: DurationStats): number {
  const threads = Math.max(1, worker.info.nthreads);
  const mean = stats.mean(group);
  if (mean === undefined) return 2 * threads;
  const perThread = Math.min(MAX_TASKS_PER_THREAD, Math.max(2, Math.ceil(TARGET_BACKLOG_MICROS / Math.max(1, mean))));
  return perThread * threads;
}

/**
 * How few tasks a worker may hold before it is topped up again. Each top-up is a message and, on the
 * worker, a wake-up; on virtual machines a send costs tens of microseconds of the scheduler's time.
 * Refilling a worker with a deep queue of short tasks at half its capacity, instead of after every
 * report, sends a fraction of the messages, while the half left (about 10 ms of work per thread, see
 * TARGET_BACKLOG_MICROS) keeps it busy until the refill arrives. Small capacities (unknown or long tasks)
 * refill as soon as there is room, since one task more or less there is a thread idle or not.
 */
export function refillMark(capacity: number): number {
  return capacity >= 8 ? Math.floor(capacity / 2) : capacity - 1;
}

/**
 * The task a full worker gives back so that `task` can take its place: the one that would run last among
 * those of lower priority it has not started, or undefined when there is none. The worker runs what it
 * holds by priority, so without this a low-priority task sent earlier would run before a high-priority
 * task that arrived once the worker was full. `worker.lowestPriority` is a bound kept by the transitions
 * (made exact here), so tasks of one priority (the common case) never pay for the scan.
 */
export function taskToDisplace(worker: WorkerRecord, task: TaskRecord): TaskRecord | undefined {
  if (task.priority <= worker.lowestPriority) return undefined;
  let lowest = Infinity;
  let victim: TaskRecord | undefined;
  for (const held of worker.processing) {
    if (held.priority < lowest) lowest = held.priority;
    if (held.priority >= task.priority || worker.executing.has(held.key) || worker.longRunning.has(held.key) || feedsAssigned(held)) continue;
    if (!victim || held.priority < victim.priority || (held.priority === victim.priority && held.seq > victim.seq)) victim = held;
  }
  worker.lowestPriority = lowest;
  return victim;
}

/** A task with dependents already sent to run behind it (a chain) stays where it is. */
function feedsAssigned(task: TaskRecord): boolean {
  for (const dependent of task.dependents) if (dependent.state === 'processing') return true;
  return false;
}

export function satisfiesRestrictions(task: TaskRecord, worker: WorkerRecord, strictOnly = false): boolean {
  const r = task.spec?.restrictions;
  if (!r) return true;
  if (r.resources) {
    for (const [name, amount] of Object.entries(r.resources)) {
      if ((worker.info.resources[name] ?? 0) - (worker.actorResources?.get(name) ?? 0) < amount) return false;
    }
  }
  if (r.workers && r.workers.length > 0 && !(r.allowOtherWorkers && !strictOnly)) {
    const info = worker.info;
    if (!r.workers.some((w) => w === worker.id || w === info.name || w === info.host || w === info.address)) return false;
  }
  return true;
}

function isPreferred(task: TaskRecord, worker: WorkerRecord): boolean {
  const r = task.spec?.restrictions;
  if (!r?.workers?.length || !r.allowOtherWorkers) return false;
  const info = worker.info;
  return r.workers.some((w) => w === worker.id || w === info.name || w === info.host || w === info.address);
}

/** Expected run time of a task of a group never seen finish (Dask uses the same default). */
export const UNKNOWN_DURATION_MICROS = 500_000;
/** Assumed bandwidth between workers, in bytes per second (Dask's default). */
const BANDWIDTH_BYTES_PER_SECOND = 100e6;
/** Fixed cost of fetching one input from another worker: a request and its reply between two processes. */
const FETCH_MICROS = 500;

/** How long a task of `group` is expected to run, in microseconds. */
export function expectedMicros(group: string, stats: DurationStats): number {
  return stats.mean(group) ?? UNKNOWN_DURATION_MICROS;
}

/**
 * When `task` would start on `worker`, in microseconds from now: the work queued there per thread (its
 * held tasks, each taken to last `durationMicros`, as the task's own group is the best guess there is), plus
 * fetching the inputs it does not hold (or is not computing already). Like Dask's `worker_objective`, with
 * a fixed cost per fetched input on top of the bytes: a tiny input on another worker is still a round trip.
 */
export function startEstimate(task: TaskRecord, worker: WorkerRecord, durationMicros: number): { micros: number; missing: number } {
  let missing = 0;
  let fetches = 0;
  for (const dep of task.deps) {
    if (dep.holders.has(worker) || dep.processingOn === worker) continue;
    missing += Math.max(1, dep.nbytes);
    fetches++;
  }
  const queued = (heldBy(worker) / Math.max(1, worker.info.nthreads)) * durationMicros;
  return { micros: queued + fetches * FETCH_MICROS + (missing / BANDWIDTH_BYTES_PER_SECOND) * 1e6, missing };
}

/**
 * Picks a worker among `candidates` (already filtered for capacity), or undefined when none fits:
 * a worker the task prefers (loose restrictions) first, then the one where it starts soonest (see
 * startEstimate), then the one that lacks fewer input bytes. Locality is a cost, not a rule: a task
 * follows its inputs only while waiting there is not longer than fetching them. The rotation counter
 * spreads exact ties over workers instead of piling them on the first.
 */
export function decideWorker(task: TaskRecord, candidates: readonly WorkerRecord[], rotation: number, durationMicros = UNKNOWN_DURATION_MICROS): WorkerRecord | undefined {
  let best: WorkerRecord | undefined;
  let bestStart = Infinity;
  let bestMissing = Infinity;
  let bestPreferred = false;
  const list = candidates;
  const n = list.length;
  for (let k = 0; k < n; k++) {
    const worker = list[(k + rotation) % n]!;
    if (worker.status !== 'running' || !satisfiesRestrictions(task, worker)) continue;
    const preferred = isPreferred(task, worker);
    if (best !== undefined && bestPreferred && !preferred) continue;
    const { micros, missing } = startEstimate(task, worker, durationMicros);
    const better =
      best === undefined ||
      (preferred && !bestPreferred) ||
      micros < bestStart ||
      (micros === bestStart && missing < bestMissing);
    if (better) {
      best = worker;
      bestStart = micros;
      bestMissing = missing;
      bestPreferred = preferred;
    }
  }
  return best;
}
