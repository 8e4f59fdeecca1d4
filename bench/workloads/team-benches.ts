/**
 * Workload 6: the micro-benchmarks other engineers own, `benchCodec()` (src/serialize/bench.ts)
 * and `benchRecombination({ tasks })` (src/multiprocessing/bench.ts). They are imported by a
 * computed path, so this bench compiles and runs whether or not those modules exist yet; a missing
 * module is reported as `skipped`, not as an error.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withTimeLimit } from '../limits.js';
import { emptyResult, type WorkloadResult } from '../workload-types.js';

/** A team micro-benchmark: which module, which export, and how to call it. */
export interface TeamBench {
  /** Key in the JSON and label in the table. */
  id: 'codec' | 'recombination' | 'objectStore' | 'functionCapture' | 'nodeCopies';
  /** Path of the compiled module, relative to dist/ (e.g. `src/serialize/bench.js`). */
  modulePath: string;
  exportName: string;
  /** The argument passed to the function. */
  argument?: Record<string, unknown>;
  /** Abandon it after this many seconds (an async function only; a synchronous one cannot be interrupted). */
  timeLimitSeconds: number;
}

export const TEAM_BENCHES: readonly TeamBench[] = [
  { id: 'codec', modulePath: 'src/serialize/bench.js', exportName: 'benchCodec', timeLimitSeconds: 120 },
  { id: 'functionCapture', modulePath: 'src/serialize/capture-bench.js', exportName: 'benchFunctionCapture', timeLimitSeconds: 60 },
  { id: 'recombination', modulePath: 'src/multiprocessing/bench.js', exportName: 'benchRecombination', argument: { tasks: 10_000 }, timeLimitSeconds: 300 },
  { id: 'objectStore', modulePath: 'bench/object-store.js', exportName: 'benchObjectStore', argument: { megabytes: 800 }, timeLimitSeconds: 240 },
  // The whole node's added memory for an 800 MB broadcast on the default LocalCluster (target ≤ 1.1 × the array).
  { id: 'nodeCopies', modulePath: 'bench/node-copies.js', exportName: 'benchNodeCopies', argument: { megabytes: 800 }, timeLimitSeconds: 240 },
];

/** Calls one team benchmark and keeps every top-level finite number it returned as a metric. */
export async function runTeamBench(bench: TeamBench): Promise<WorkloadResult> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  // This file compiles to dist/bench/workloads/, so dist/ is two levels up.
  const moduleUrl = new URL(`../../${bench.modulePath}`, import.meta.url);
  if (!existsSync(fileURLToPath(moduleUrl))) {
    return emptyResult('skipped', seconds(), { note: `${bench.modulePath} is not built (no ${fileURLToPath(moduleUrl)}); its owner has not delivered it yet` });
  }
  try {
    const loaded: Record<string, unknown> = await import(moduleUrl.href);
    const fn = loaded[bench.exportName];
    if (typeof fn !== 'function') {
      return emptyResult('skipped', seconds(), { note: `${bench.modulePath} does not export a function ${bench.exportName} (exports: ${Object.keys(loaded).join(', ') || 'none'})` });
    }
    const call = (): unknown => (bench.argument === undefined ? fn() : fn(bench.argument));
    const value: unknown = await withTimeLimit(Promise.resolve().then(call), bench.timeLimitSeconds * 1000, `${bench.exportName}()`);
    if (typeof value !== 'object' || value === null) {
      return emptyResult('error', seconds(), { error: `${bench.exportName}() returned ${String(value)}, expected an object of figures` });
    }
    const metrics = Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
    return { status: 'ok', metrics, samples: [], sampleUnit: '', detail: { result: value }, elapsedSeconds: seconds() };
  } catch (error) {
    const status = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'error';
    return emptyResult(status, seconds(), { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}
