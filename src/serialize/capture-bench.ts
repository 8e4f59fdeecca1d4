/**
 * Micro-benchmark of what travels with a function, for the team's bench runner: the first-submit
 * cost of a function object that reads 10 names of its scopes (constants, helpers, a class and
 * imports), which is when its scopes are read and its module is written, and the cost of every
 * later submit of the same object.
 */
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { prepareFunction } from './function-source.js';

/** Result of {@link benchFunctionCapture}. */
export interface CaptureBenchResult {
  /** ms of the very first capture in this process (the inspector learns the loaded scripts then). */
  firstCaptureColdMs: number;
  /** Median ms of `prepareFunction` on a new function object reading 10 captured names. */
  firstSubmitMs: number;
  /** Median µs of `prepareFunction` on a function object already prepared. */
  repeatSubmitMicros: number;
  /** Median ms of `prepareFunction` on a new function object that reads nothing from its scopes (text seen before). */
  closedFunctionMicros: number;
  /** Captured names in the measured function. */
  capturedNames: number;
}

const limit = 0.5;
const weights = [1, 2, 3];
const label = 'bench';
const table = { a: 1, b: 2 };
class Point {
  constructor(readonly x: number, readonly y: number) {}
  length(): number {
    return Math.hypot(this.x, this.y);
  }
}
function clamp(x: number): number {
  return Math.min(limit, x);
}
function weigh(x: number): number {
  return weights.reduce((sum, w) => sum + w * x, 0);
}

/** A new function object per call, reading 10 names: 4 module constants, 2 helpers, a class, 2 imports and 1 local. */
function makeTask(offset: number): (x: number) => unknown {
  return (x: number) => [
    clamp(x) + weigh(x) + offset,
    label, table.a, limit, weights.length,
    new Point(x, x).length(),
    path.basename('/a/b'), createHash('sha1').update(String(x)).digest('hex'),
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Measures {@link CaptureBenchResult}'s figures (a few hundred ms). */
export function benchFunctionCapture(options: { rounds?: number } = {}): CaptureBenchResult {
  const rounds = options.rounds ?? 50;
  let start = performance.now();
  prepareFunction(makeTask(0));
  const firstCaptureColdMs = performance.now() - start;
  const first: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const task = makeTask(i);
    start = performance.now();
    prepareFunction(task);
    first.push(performance.now() - start);
  }
  const task = makeTask(1);
  prepareFunction(task);
  const repeat: number[] = [];
  for (let round = 0; round < 7; round++) {
    start = performance.now();
    for (let i = 0; i < 10_000; i++) prepareFunction(task);
    repeat.push(((performance.now() - start) * 1000) / 10_000);
  }
  const closed: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const fn = (x: number) => x + 1;
    start = performance.now();
    prepareFunction(fn);
    closed.push((performance.now() - start) * 1000);
  }
  return { firstCaptureColdMs, firstSubmitMs: median(first), repeatSubmitMicros: median(repeat), closedFunctionMicros: median(closed), capturedNames: 10 };
}
