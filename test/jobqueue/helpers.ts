/** Shared helpers of the job-queue tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { BatchSystem, FlotillaConfig, JobQueueOptions, ResolveContext, ResolvedJobOptions } from '../../src/jobqueue/index.js';
import { resolveJobOptions } from '../../src/jobqueue/index.js';
import { BUILT_IN_SYSTEMS } from '../../cluster-adapters/index.js';

/** A config with no file behind it, so tests do not read the developer's ~/.config. */
export const EMPTY_CONFIG: FlotillaConfig = { path: null, jobqueue: {} };

/**
 * Where job scripts must point: the compiled worker CLI of this checkout. Computed from this test
 * file's location, independently of how the implementation finds it.
 */
export const WORKER_CLI = fileURLToPath(new URL('../../dist/src/cli/worker.js', import.meta.url));

/** Resolves options with no config file and no environment variables unless given. */
export function resolveIsolated<O extends JobQueueOptions>(
  system: BatchSystem<O>,
  options: Record<string, unknown>,
  context: ResolveContext = {},
): ResolvedJobOptions<O> {
  return resolveJobOptions(system, options, { config: EMPTY_CONFIG, env: {}, cwd: '/home/user/project', systems: BUILT_IN_SYSTEMS, ...context });
}

/** A fresh temporary directory, removed after the current test. */
export function temporaryDirectory(prefix = 'flotilla-jq-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * Polls `check` every `intervalMs` until it returns a value other than `undefined`, at most `timeoutMs`.
 * @throws Error naming `what` and the last value seen when time runs out.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 20_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms (${attempt + 1} checks) waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
