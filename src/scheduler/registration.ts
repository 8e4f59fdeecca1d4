/**
 * What a worker's `register` must carry before it becomes a worker: a name, where it serves data, how
 * many threads. A registration short of these is refused with the reason (never half-accepted as
 * "worker undefined joined from undefined"), and so is a second one under the name of a live worker.
 */
import type { WorkerRegistration } from '../protocol/messages.js';

const MAX_TEXT = 4096;

/** Why `info` cannot register, or undefined when it can. */
export function registrationProblem(info: unknown): string | undefined {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) return '`worker` must be an object describing the worker';
  const w = info as Partial<Record<keyof WorkerRegistration, unknown>>;
  const text = (field: keyof WorkerRegistration, optional = false): string | undefined => {
    const value = w[field];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) return `\`worker.${field}\` must be a non-empty string of at most ${MAX_TEXT} characters, got ${describe(value)}`;
    return undefined;
  };
  const count = (field: keyof WorkerRegistration, min: number, optional = false): string | undefined => {
    const value = w[field];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) return `\`worker.${field}\` must be a whole number >= ${min}, got ${describe(value)}`;
    return undefined;
  };
  const problem = text('name') ?? text('host') ?? text('address') ?? count('nthreads', 1) ?? count('memoryLimit', 0)
    ?? count('pid', 0, true) ?? text('localDirectory', true) ?? text('jobId', true) ?? resourcesProblem(w.resources);
  if (problem) return problem;
  if (!/^(tcp|ipc):\/\/./.test(w.address as string)) return `\`worker.address\` must be a tcp:// or ipc:// address, got ${describe(w.address)}`;
  return undefined;
}

function resourcesProblem(resources: unknown): string | undefined {
  if (resources === undefined) return undefined;
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) return `\`worker.resources\` must be an object of numbers, got ${describe(resources)}`;
  for (const [name, amount] of Object.entries(resources)) {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) return `\`worker.resources.${name.slice(0, 60)}\` must be a number >= 0, got ${describe(amount)}`;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
