/**
 * Operations on every worker outside task scheduling: `run`, worker setups and `uploadFile`. The
 * session gives a result or an error per worker; this module turns that into the one result or the one
 * error (naming the failing workers) the caller sees, and checks a file before anything is sent.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { FlotillaError } from '../errors/index.js';
import { prepareFunction } from '../serialize/function-source.js';
import { encodeValue } from '../serialize/value-codec.js';
import type { RunOptions } from './options.js';
import type { Session } from './session.js';

/** Largest file `uploadFile` sends, in bytes. */
export const UPLOAD_LIMIT_BYTES = 256 * 1024 * 1024;
const UPLOADABLE = /\.(m?js|cjs|json|zip|tar\.gz|tgz)$/;

type AnyFn = (...args: unknown[]) => unknown;

/** `client.run`: `{ [workerId]: result }`, with per-worker errors raised, returned or left out as `onError` says. */
export async function runOnWorkers(session: Session, options: RunOptions, fn: AnyFn, args: unknown[]): Promise<Record<string, unknown>> {
  const shipped = prepareFunction(fn, { what: 'run' });
  // An empty list names no worker (as in Dask), not all of them.
  if (options.workers?.length === 0) return {};
  const encoded = encodeValue(args, { label: 'the arguments of run' });
  const outcome = await session.run(shipped, fn, args, encoded, { timeoutMs: options.timeoutMs ?? 60_000, ...(options.workers ? { workers: options.workers } : {}) });
  const onError = options.onError ?? 'raise';
  if (outcome.errors.size > 0 && onError === 'raise') {
    const lines = [...outcome.errors].map(([worker, error]) => `  ${worker}: ${error.name}: ${error.message}`);
    const first = [...outcome.errors.values()][0];
    throw new FlotillaError(`run failed on ${outcome.errors.size} worker(s):\n${lines.join('\n')}\nUse client.with({ onError: 'return' }).run(…) to get per-worker errors instead.`, { cause: first });
  }
  const result: Record<string, unknown> = Object.fromEntries(outcome.results);
  if (onError === 'return') for (const [worker, error] of outcome.errors) result[worker] = error;
  return result;
}

/** `client.registerWorkerSetup`: `{ [workerId]: result }` of the current workers, or an error naming those where it failed. */
export async function registerSetupOnWorkers(session: Session, fn: AnyFn, options: { name?: string; args?: unknown[]; timeoutMs?: number }): Promise<Record<string, unknown>> {
  const shipped = prepareFunction(fn, { what: 'registerWorkerSetup' });
  const args = options.args ?? [];
  const encoded = encodeValue(args, { label: 'the arguments of registerWorkerSetup', argumentsOf: 'registerWorkerSetup' });
  const name = options.name ?? shipped.name;
  const outcome = await session.registerSetup(name, shipped, encoded, options.timeoutMs ?? 60_000, fn, args);
  if (outcome.errors.size > 0) {
    const lines = [...outcome.errors].map(([worker, error]) => `  ${worker}: ${error.name}: ${error.message}`);
    throw new FlotillaError(`worker setup ${JSON.stringify(name)} failed on ${outcome.errors.size} worker(s):\n${lines.join('\n')}\nIt stays registered for workers that join later; unregisterWorkerSetup(${JSON.stringify(name)}) removes it.`, { cause: [...outcome.errors.values()][0] });
  }
  return Object.fromEntries(outcome.results);
}

/** `client.unregisterWorkerSetup`: rejects with the first worker's error, if any. */
export async function unregisterSetupOnWorkers(session: Session, name: string): Promise<void> {
  const outcome = await session.unregisterSetup(name);
  const error = [...outcome.errors.values()][0];
  if (error) throw error;
}

/** `client.uploadFile`: checks the file, sends it, and names the workers where storing it failed. */
export async function uploadToWorkers(session: Session, path: string): Promise<{ workers: string[] }> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new FlotillaError(`uploadFile: ${path} does not exist (relative paths are resolved from ${process.cwd()})`);
  }
  const name = basename(path);
  if (!UPLOADABLE.test(name)) throw new FlotillaError(`uploadFile: ${name} is not a .js, .mjs, .cjs, .json, .zip or .tar.gz file`);
  if (size > UPLOAD_LIMIT_BYTES) throw new FlotillaError(`uploadFile: ${path} is ${size} bytes, over the ${UPLOAD_LIMIT_BYTES}-byte limit; put large data on a shared filesystem or scatter it`);
  const outcome = await session.upload(name, readFileSync(path));
  if (outcome.errors.size > 0) {
    const lines = [...outcome.errors].map(([w, e]) => `  ${w}: ${e.message}`).join('\n');
    throw new FlotillaError(`uploadFile(${name}) failed on ${outcome.errors.size} worker(s):\n${lines}`);
  }
  return { workers: outcome.workers };
}
