/**
 * `sync` mode is honest: the same values and failures, run through `sync`, `threads` and `processes`,
 * give the same outcomes (values equal, errors of the same class, name and message).
 */
import { describe, expect, it } from 'vitest';
import { Client, type ExecutionMode } from '../../src/index.js';

class Point {
  constructor(readonly x: number) {}
}

/** Each case: a function and its arguments. */
const CASES: Record<string, [(...args: never[]) => unknown, unknown[]]> = {
  number: [(x: number) => x + 1, [1]],
  negativeZero: [() => -0, []],
  nan: [() => NaN, []],
  bigint: [(x: bigint) => x * 2n, [21n]],
  undefined: [() => undefined, []],
  nested: [(o: { a: number[] }) => ({ ...o, b: new Map([[1, 'one']]), c: new Set([2]) }), [{ a: [1, 2] }]],
  dateAndRegExp: [(d: Date) => [d, /ab+c/gi], [new Date(0)]],
  binary: [(n: number) => [new Float64Array(n).fill(1.5), Buffer.from('hi')], [4]],
  errorAsValue: [() => new RangeError('returned, not thrown'), []],
  asyncValue: [async (x: number) => x * 3, [2]],
  capturedClass: [(x: number) => new Point(x).x, [7]],
  resultIsClassInstance: [(x: number) => new Point(x), [1]],
  resultIsFunction: [() => () => 1, []],
  resultIsPromiseOfSymbol: [async () => Symbol('s'), []],
  throwsTypeError: [() => { throw new TypeError('bad input'); }, []],
  rejects: [async () => { throw new Error('async failure'); }, []],
  throwsString: [() => { throw 'a string'; }, []],
  argumentIsClassInstance: [(p: Point) => p, [new Point(1)]],
  argumentIsFunction: [(f: () => void) => f, [() => {}]],
  readsUndefinedName: [() => (globalThis as unknown as { notDefinedAnywhere: () => number }).notDefinedAnywhere(), []],
};

type Outcome = { value: unknown } | { submitThrew: string } | { error: { class: string; name: string; message: string } };

async function outcomes(mode: ExecutionMode): Promise<Record<string, Outcome>> {
  const client = await Client.connect({ mode, nWorkers: 1, threadsPerWorker: 1 });
  const seen: Record<string, Outcome> = {};
  try {
    for (const [name, [fn, args]] of Object.entries(CASES)) {
      let future;
      try {
        future = client.submit(fn as (...a: unknown[]) => unknown, ...args);
      } catch (error) {
        seen[name] = { submitThrew: `${(error as Error).constructor.name}: ${(error as Error).message}` };
        continue;
      }
      try {
        seen[name] = { value: await future.result() };
      } catch (error) {
        const e = error as Error;
        seen[name] = { error: { class: e.constructor.name, name: e.name, message: e.message } };
      }
    }
  } finally {
    await client.close();
  }
  return seen;
}

describe('sync, threads and processes agree', () => {
  it('on values, refusals and failures', async () => {
    const [sync, threads, processes] = [await outcomes('sync'), await outcomes('threads'), await outcomes('processes')];
    expect(threads).toEqual(processes);
    expect(sync).toEqual(processes);
    // And the outcomes are the cluster's, not the caller's raw ones.
    expect(sync.throwsTypeError).toEqual({ error: { class: 'TaskError', name: 'TypeError', message: 'bad input' } });
    expect(sync.resultIsClassInstance).toMatchObject({ error: { class: 'SerializationError' } });
    expect(sync.throwsString).toMatchObject({ error: { class: 'TaskError', message: 'a non-Error value was thrown: a string' } });
    expect(sync.argumentIsClassInstance).toMatchObject({ submitThrew: expect.stringMatching(/^SerializationError: argument 1 of submit/) });
    expect(sync.capturedClass).toEqual({ value: 7 });
  }, 60_000);
});
