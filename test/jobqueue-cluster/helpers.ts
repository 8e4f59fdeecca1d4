/** Shared helpers of the job-queue cluster tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlotillaConfig, ResolveContext } from '../../src/jobqueue/index.js';

/** A config with no file behind it, so tests do not read the developer's ~/.config. */
export const EMPTY_CONFIG: FlotillaConfig = { path: null, jobqueue: {} };

/** A fresh temporary directory; call the returned `remove` when done. */
export function makeTemporaryDirectory(prefix = 'flotilla-jqc-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Option resolution reading neither the config file nor FLOTILLA_JOBQUEUE__ variables, submitting from `cwd`. */
export function isolatedContext(cwd: string): ResolveContext {
  return { config: EMPTY_CONFIG, env: {}, cwd };
}

/** A job name unique to this test run, so the batch system's listings can be filtered to our jobs. */
export function uniqueJobName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than `undefined`, at most `timeoutMs`.
 * @throws Error naming `what` (and what `describe` says at the end) when time runs out.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 100, describe }: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms (${attempt} checks) waiting for ${what}${describe ? `; ${describe()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Pids of live (non-zombie) processes whose command line contains `text`, e.g. a scheduler address. */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (!cmdline.includes(text)) continue;
      const state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1];
      if (state !== 'Z') found.push(Number(entry));
    } catch {
      // The process ended while we looked: it is not running.
    }
  }
  return found;
}

/** Runs a command without a shell and returns its stdout; a failure is an Error with its stderr. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { encoding: 'utf8', env, timeout: 20_000 });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${String(result.status)}): ${result.error?.message ?? result.stderr}`);
  }
  return result.stdout;
}
