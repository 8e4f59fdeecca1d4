/**
 * Scaling arithmetic, in whole jobs: how many jobs a `scale()` request means, and which jobs to retire
 * when there are too many. Pure functions, so the policy is tested without a batch system.
 */
import { ConfigurationError } from '../errors/index.js';
import { parseBytes, type ResolvedJobOptions } from '../jobqueue/index.js';
import type { ScaleRequest } from './options.js';

/**
 * The number of jobs a `scale()` argument asks for: a number is workers; an object asks for the largest
 * of its `workers`, `jobs`, `cores` and `memory`, each rounded up to whole jobs.
 * @example jobsForRequest(5, job) // 3 when each job runs 2 worker processes
 * @throws ConfigurationError for a negative or fractional count, an empty object, or unknown keys.
 */
export function jobsForRequest(request: number | ScaleRequest, job: Pick<ResolvedJobOptions, 'processes' | 'cores' | 'memoryBytes'>): number {
  if (typeof request === 'number') return Math.ceil(count('scale(n)', request) / job.processes);
  if (request === null || typeof request !== 'object') {
    throw new ConfigurationError(
      `scale() expects a number of workers or { workers, jobs, cores, memory }, got ${JSON.stringify(request)}.`,
    );
  }
  const known = ['workers', 'jobs', 'cores', 'memory'];
  const unknown = Object.keys(request).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new ConfigurationError(`scale() does not know ${unknown.join(', ')}; it accepts ${known.join(', ')}. Got ${JSON.stringify(request)}.`);
  }
  const wanted: number[] = [];
  if (request.workers !== undefined) wanted.push(Math.ceil(count('scale({ workers })', request.workers) / job.processes));
  if (request.jobs !== undefined) wanted.push(count('scale({ jobs })', request.jobs));
  if (request.cores !== undefined) wanted.push(Math.ceil(count('scale({ cores })', request.cores) / job.cores));
  if (request.memory !== undefined) wanted.push(Math.ceil(parseBytes(request.memory, 'scale({ memory })') / job.memoryBytes));
  if (wanted.length === 0) {
    throw new ConfigurationError('scale({}) says nothing: give workers, jobs, cores or memory, e.g. scale({ jobs: 4 }).');
  }
  return Math.max(...wanted);
}

/** What the retirement policy needs to know about a job that still counts towards the cluster's size. */
export interface RetirementCandidate {
  readonly jobId: string;
  /** Whether a worker of this job ever connected. */
  readonly connectedEver: boolean;
  /** Tasks assigned to the job's connected workers now. */
  readonly processingTasks: number;
  /** Results held by the job's connected workers (lost when they retire, recomputed if needed). */
  readonly storedResults: number;
  readonly submittedAt: number;
}

/**
 * Picks `count` jobs to retire: first jobs whose workers never connected (they add nothing yet), then
 * connected jobs with the fewest tasks running, then the fewest stored results; newest first among equals.
 * With `idleOnly`, jobs whose workers run tasks or hold results are never picked: adaptive scaling waits
 * for the tasks to finish and the results to be released, because a retired worker's results are
 * recomputed, and that work would make it scale up again: the start-and-kill loop it must never enter.
 */
export function pickJobsToRetire(candidates: readonly RetirementCandidate[], count: number, idleOnly = false): string[] {
  if (count <= 0) return [];
  const eligible = idleOnly ? candidates.filter((job) => job.processingTasks === 0 && job.storedResults === 0) : [...candidates];
  eligible.sort(
    (a, b) =>
      Number(a.connectedEver) - Number(b.connectedEver) ||
      a.processingTasks - b.processingTasks ||
      a.storedResults - b.storedResults ||
      b.submittedAt - a.submittedAt,
  );
  return eligible.slice(0, count).map((job) => job.jobId);
}

function count(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(`${what} expects a whole number ≥ 0, got ${JSON.stringify(value)}.`);
  }
  return value;
}
