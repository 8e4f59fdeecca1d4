/**
 * The worker's side of `client.profile`: a {@link ThreadSampler} over its task threads, fed with the
 * task runs the thread pool reports, answering the scheduler's `get-profile`. Absent when profiling is
 * off (`profileIntervalMs: 0`), and then `get-profile` is answered with the reason.
 */
import type { ProfileQuery, WorkerToScheduler } from '../protocol/messages.js';
import { toWireError } from '../protocol/wire-error.js';
import { loadProfileConfig } from '../config/profile-config.js';
import { ConfigurationError, FlotillaError } from '../errors/index.js';
import { ThreadSampler } from '../profile/sampler.js';
import { functionNameOfUrl, safeFunctionName } from '../util/function-file-name.js';
import { frameLocator } from './frame-origins.js';
import type { LocalFiles } from './local-files.js';
import type { ThreadPool } from './thread-pool.js';
import type { ThreadOutcome, ThreadTask } from './thread-protocol.js';

/** @throws ConfigurationError unless the interval is a number of milliseconds >= 0 (or absent). */
export function checkProfileInterval(intervalMs: unknown): void {
  if (intervalMs === undefined) return;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new ConfigurationError(`profileIntervalMs must be a number of milliseconds >= 0 (0 turns profiling off), got ${String(intervalMs)}; e.g. 10`);
  }
}

/** Task threads are sampled every 10 ms unless the options or the config file say otherwise (0: off). */
export const DEFAULT_PROFILE_INTERVAL_MS = 10;

/**
 * The sampling interval and collection cycle of a worker: `profileIntervalMs` when given, else the
 * config file's `profile` section (`interval`, `cycle`, `enabled`), else every 10 ms.
 * @throws ConfigurationError for a bad `profileIntervalMs` or a bad `profile` section
 */
export function profileSettings(options: { profileIntervalMs?: number }, env: NodeJS.ProcessEnv = process.env): { intervalMs: number; cycleMs?: number } {
  checkProfileInterval(options.profileIntervalMs);
  const config = loadProfileConfig({ env });
  const intervalMs = options.profileIntervalMs ?? config.intervalMs ?? DEFAULT_PROFILE_INTERVAL_MS;
  return config.cycleMs === undefined ? { intervalMs } : { intervalMs, cycleMs: config.cycleMs };
}

/** The worker's profiler: a sampler over its task threads (none when profiling is off), told of task starts and ends. */
export class WorkerProfiling {
  readonly #sampler: ThreadSampler | undefined;

  readonly intervalMs: number;

  constructor(settings: { intervalMs: number; cycleMs?: number }, private readonly pool: ThreadPool, files: LocalFiles, warn: (line: string) => void) {
    this.intervalMs = settings.intervalMs;
    this.#sampler = settings.intervalMs > 0
      ? ThreadSampler.start({ ...settings, threadIndex: (id) => pool.threadIndexOf(id), locate: frameLocator(files), warn })
      : undefined;
  }

  /** A task became the one running on its thread. With profiling off, nothing is looked up. */
  started(task: ThreadTask): void {
    const sampler = this.#sampler;
    if (sampler === undefined) return;
    const thread = this.pool.placement.get(task.id);
    if (thread !== undefined) sampler.taskStarted(thread, task.key, groupOf(task));
  }

  /** A task ended (result or error): its samples belong to it. */
  ended(task: ThreadTask, result: ThreadOutcome): void {
    this.#sampler?.taskEnded({ thread: result.thread, start: result.start, stop: result.start + result.duration / 1000, key: task.key, group: groupOf(task) });
  }

  /** The answer to `get-profile`. */
  async answer(id: number, query: ProfileQuery): Promise<Extract<WorkerToScheduler, { op: 'profile-data' }>> {
    if (!this.#sampler) {
      const error = new FlotillaError('profiling is off on this worker (it was started with profileIntervalMs: 0, or the profile section of the config file turns it off); start it with a sampling interval, e.g. profileIntervalMs: 10 or --profile-interval 10, or set `profile: { interval: 10ms, enabled: true }` in the config file');
      return { op: 'profile-data', id, error: toWireError(error) };
    }
    try {
      const group = query.group === undefined ? undefined : safeFunctionName(query.group);
      const profile = await this.#sampler.query({ ...query, ...(group === undefined ? {} : { group }) });
      return { op: 'profile-data', id, profile };
    } catch (error) {
      return { op: 'profile-data', id, error: toWireError(error) };
    }
  }

  close(): void {
    this.#sampler?.close();
  }
}

function groupOf(task: ThreadTask): string {
  return functionNameOfUrl(task.fnUrl) ?? 'anonymous';
}
