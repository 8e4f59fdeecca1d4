/**
 * What `console.log(x)`, a REPL and a notebook cell print for flotilla's handles (clients, clusters,
 * futures): a short summary of the fields a user looks for, in Node's own `Name { field: value }` form,
 * instead of the handle's internals. Used from each class's `[util.inspect.custom]`.
 */
import { inspect as nodeInspect, type InspectOptionsStylized } from 'node:util';
import type { WorkerSummary } from '../protocol/messages.js';

/** Workers, their task threads and their memory limits added up. */
export interface WorkerTotals {
  workers: number;
  threads: number;
  /** Sum of the workers' memory limits, in bytes. */
  memory: number;
}

export function workerTotals(workers: readonly WorkerSummary[]): WorkerTotals {
  let threads = 0;
  let memory = 0;
  for (const worker of workers) {
    threads += worker.nthreads;
    memory += worker.memoryLimit;
  }
  return { workers: workers.length, threads, memory };
}

/** `512 B`, `1.50 KiB`, `7.63 GiB`: binary units, three significant digits, as Dask prints memory. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(2)} ${units[unit]}`;
}

/**
 * `Name { a: 1, b: 'x' }` (broken over lines as Node breaks objects, or on one line with `oneLine`), leaving
 * out undefined fields; `[Name]` when printed deeper than the caller's `depth`. `depth`, `options` and
 * `inspect` as Node passes them to `[util.inspect.custom]`.
 */
export function inspectSummary(
  name: string,
  fields: Record<string, unknown>,
  depth: number,
  options: InspectOptionsStylized,
  inspect: typeof nodeInspect = nodeInspect,
  oneLine = false,
): string {
  if (depth < 0) return options.stylize(`[${name}]`, 'special');
  const shown = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  const inner = inspect(shown, {
    ...options,
    depth: options.depth === null || options.depth === undefined ? options.depth : options.depth - 1,
    ...(oneLine ? { breakLength: Infinity } : {}),
  });
  return `${name} ${inner}`;
}

export const inspectCustom: typeof nodeInspect.custom = nodeInspect.custom;
