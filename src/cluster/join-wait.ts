/**
 * Waiting until named workers have registered with a LocalCluster's scheduler: resolves when the last
 * one joined, rejects with the error of a worker that cannot start, or with a TimeoutError.
 */
import { TimeoutError } from '../errors/index.js';
import type { SchedulerServer } from '../scheduler/server.js';

/** How long the workers of one start or scale may take to register. */
export const START_TIMEOUT_MS = 60_000;

/**
 * Resolves when every one of `names` is registered with `scheduler`. While it waits, `failures` holds
 * a function that rejects it (a worker given up on calls every one).
 */
export function waitForJoin(scheduler: SchedulerServer, names: readonly string[], failures: Set<(error: Error) => void>): Promise<void> {
  const missing = new Set(names.filter((name) => !scheduler.workerSummaries().some((w) => w.name === name)));
  if (missing.size === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      scheduler.off('worker-added', onAdded);
      failures.delete(failed);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => {
      done(new TimeoutError(`LocalCluster: worker(s) ${[...missing].join(', ')} did not register within ${START_TIMEOUT_MS / 1000} s; set FLOTILLA_LOG_LEVEL=info to see their logs`));
    }, START_TIMEOUT_MS);
    const onAdded = (summary: { name: string }) => {
      missing.delete(summary.name);
      if (missing.size === 0) done();
    };
    const failed = (error: Error) => done(error);
    failures.add(failed);
    scheduler.on('worker-added', onAdded);
  });
}
