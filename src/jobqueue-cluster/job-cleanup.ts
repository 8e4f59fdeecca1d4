/**
 * What `close()` does to the batch system: cancel the cluster's jobs, then ask the status command until
 * none is pending or running, cancelling again now and then (Grid Engine may keep a job in `dr` for a
 * while), within a time limit.
 */
import {
  cancelJobs,
  type BatchSystem,
  type JobCommandOptions,
  type JobTracker,
  type JobTransition,
  type ResolvedJobOptions,
} from '../jobqueue/index.js';
import { JobCleanupError } from './errors.js';

/** How often a job still listed is cancelled again, in milliseconds. */
const RECANCEL_INTERVAL_MS = 5_000;

/** The jobs still listed when `cancelUntilGone` gave up, and the last command error, if any. */
export interface CleanupOutcome {
  readonly left: ReadonlyArray<{ jobId: string; native: string | undefined }>;
  readonly error: unknown;
}

/**
 * Cancels `jobIds` and polls the tracker until none of its jobs is active or `timeoutMs` passed.
 * Never throws: a failing command ends the wait and is returned as `error`.
 */
export async function cancelUntilGone(
  system: BatchSystem,
  tracker: JobTracker,
  jobIds: readonly string[],
  options: { commandOptions: JobCommandOptions; timeoutMs: number; onTransition: (transition: JobTransition) => void },
): Promise<CleanupOutcome> {
  const remaining = () => tracker.activeJobIds().map((jobId) => ({ jobId, native: tracker.get(jobId)?.native }));
  try {
    if (jobIds.length > 0) await cancelJobs(system, jobIds, options.commandOptions);
    const deadline = Date.now() + options.timeoutMs;
    let lastCancel = Date.now();
    for (let attempt = 0; tracker.activeJobIds().length > 0; attempt++) {
      for (const transition of await tracker.poll()) options.onTransition(transition);
      const active = tracker.activeJobIds();
      if (active.length === 0 || Date.now() >= deadline) break;
      if (Date.now() - lastCancel > RECANCEL_INTERVAL_MS) {
        await cancelJobs(system, active, options.commandOptions);
        lastCancel = Date.now();
      }
      await new Promise((resolveDelay) => setTimeout(resolveDelay, Math.min(1_000, 100 * 2 ** Math.min(attempt, 4))));
    }
    return { left: remaining(), error: undefined };
  } catch (error) {
    return { left: remaining(), error };
  }
}

/** The error `close()` throws when jobs are still listed: which, in what state, and the command to cancel them by hand. */
export function cleanupError(
  clusterName: string,
  system: BatchSystem,
  job: ResolvedJobOptions,
  outcome: CleanupOutcome,
  timeoutMs: number,
): JobCleanupError {
  const ids = outcome.left.map((entry) => entry.jobId);
  const one = ids.length === 1;
  const states = outcome.left.map((entry) => `${entry.jobId}: ${entry.native ?? 'unknown state'}`).join(', ');
  const cause = outcome.error instanceof Error ? `. The last cancel or status command failed: ${outcome.error.message}` : '';
  return new JobCleanupError(
    `${clusterName}.close() cancelled its jobs, but ${one ? 'job' : 'jobs'} ${ids.join(', ')} ${one ? 'is' : 'are'} still ` +
      `listed by the batch system after ${timeoutMs} ms (${states}). Cancel by hand: ${system.cancelCommand(ids, job).join(' ')}${cause}`,
    [...outcome.left],
    outcome.error === undefined ? undefined : { cause: outcome.error },
  );
}
