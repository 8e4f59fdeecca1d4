/**
 * Every fix an error suggests works: each test provokes the refusal, checks that the message gives
 * the fix, then runs the fix as the message words it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FunctionShippingError, SerializationError } from '../../src/errors/index.js';
import { encodeValue } from '../../src/serialize/value-codec.js';
import { prepareFunction, type ShippedFunction } from '../../src/serialize/function-source.js';
import { distFile } from '../../src/util/package-paths.js';
import { installFunctionRuntime } from '../../src/worker/function-runtime.js';

installFunctionRuntime();
const moduleDir = mkdtempSync(join(tmpdir(), 'flotilla-advice-'));
afterAll(() => rmSync(moduleDir, { recursive: true, force: true }));

async function run(fn: unknown, ...args: unknown[]): Promise<unknown> {
  const shipped: ShippedFunction = prepareFunction(fn);
  const file = join(moduleDir, `${shipped.hash}.mjs`);
  writeFileSync(file, shipped.moduleSource);
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { default: (...a: unknown[]) => unknown };
  return module.default(...args);
}

function refusal(fn: unknown): string {
  try {
    prepareFunction(fn);
  } catch (error) {
    expect(error).toBeInstanceOf(FunctionShippingError);
    return (error as Error).message;
  }
  throw new Error('prepareFunction accepted a function it should refuse');
}

/** Global scope: nothing of this file is captured. */
function fromSource<T = unknown>(source: string): T {
  return (0, eval)(`(${source})`) as T;
}

describe('each suggested fix works', () => {
  it('a class as the task: a function that uses it', async () => {
    class Simulation {
      constructor(readonly steps: number) {}
      run(): number {
        return this.steps * 2;
      }
    }
    expect(refusal(Simulation)).toContain('for example `(...args) => new Simulation(...args).run()` (the class travels with the function)');
    expect(await run((...args: [number]) => new Simulation(...args).run(), 21)).toBe(42);
  });

  it('a native function: wrap it', async () => {
    expect(refusal(Math.max)).toContain('e.g. `(...args) => Math.max(...args)`');
    expect(await run((...args: number[]) => Math.max(...args), 1, 5, 2)).toBe(5);
  });

  it("a function of Node's own library: wrap it (its module import travels)", async () => {
    expect(refusal(path.join)).toContain('e.g. `(...args) => join(...args)`');
    expect(await run((...args: string[]) => join(...args), 'a', 'b')).toBe(join('a', 'b'));
  });

  it('a bound function: the original with the bound arguments in front', async () => {
    function add(a: number, b: number): number {
      return a + b;
    }
    expect(refusal(add.bind(null, 1))).toContain('Pass the original function with the arguments bind() fixed in front: client.submit(fn, a, b, ...rest)');
    expect(await run(add, 1, 2)).toBe(3);
  });

  it('a method that uses this: what it reads as parameters', async () => {
    const counter = {
      step: 2,
      next(x: number) {
        return x + this.step;
      },
    };
    expect(refusal(counter.next)).toContain('take what it reads from `this` as parameters and pass them to submit');
    expect(await run((x: number, step: number) => x + step, 1, counter.step)).toBe(3);
  });

  it('an arrow reading an outer arguments: a rest parameter', async () => {
    const outer = fromSource<() => (...a: number[]) => number>('function () { return () => arguments.length; }');
    expect(refusal(outer())).toContain('Use a rest parameter instead: `(...args) => …`');
    expect(await run((...args: number[]) => args.length, 1, 2, 3)).toBe(3);
  });

  it('require and __dirname in an ES module: import() and import.meta', async () => {
    expect(refusal(fromSource('() => require("node:fs").existsSync(__dirname)'))).toMatch(/Use `await import\('…'\)` inside the function instead of `require`, and `import\.meta\.url` or `import\.meta\.dirname`/);
    const fixed = async () => (await import('node:fs')).existsSync(import.meta.dirname as string);
    expect(await run(fixed)).toBe(true);
  });

  it("an import the test runner renamed: import the built module by a URL kept in a constant", async () => {
    const usesRenamedImport = () => new FunctionShippingError('x').code;
    expect(refusal(usesRenamedImport)).toContain('Import the module inside the function by the URL of its built JavaScript, kept in a constant (which travels): `const m = await import(moduleUrl)`');
    const moduleUrl = pathToFileURL(distFile('src/errors/index.js')).href;
    const fixed = async () => {
      const m = (await import(/* @vite-ignore */ moduleUrl)) as { FunctionShippingError: new (message: string) => { code: string } };
      return new m.FunctionShippingError('x').code;
    };
    expect(await run(fixed)).toBe('FUNCTION_SHIPPING');
  });

  it('a captured value that cannot travel: create it inside the function', async () => {
    const seen = new WeakSet<object>();
    const message = refusal((x: object) => seen.has(x));
    expect(message).toMatch(/reads `seen` \(.*WeakSet.*\), which cannot travel with it.*Create it inside the function, or pass plain data it is made from as an argument/s);
    expect(await run((x: object) => new WeakSet<object>().has(x), {})).toBe(false);
  });

  it('a captured native function: call it through what it came from', async () => {
    const atLeastZero = Math.max.bind(null, 0);
    expect(refusal((x: number) => atLeastZero(x))).toContain('Call it through what it came from inside the function (`Math.max(0, x)`');
    expect(await run((x: number) => Math.max(0, x), -3)).toBe(0);
  });

  it('a helper passed as an argument: call it from the task function, where it travels', async () => {
    function helper(x: number): number {
      return x * 3;
    }
    let message = '';
    try {
      encodeValue([helper, 1], { argumentsOf: 'submit' });
    } catch (error) {
      expect(error).toBeInstanceOf(SerializationError);
      message = (error as Error).message;
    }
    expect(message).toContain('Call it from the task function instead, where it travels with the task (client.submit((x) => helper(x), x))');
    expect(await run((x: number) => helper(x), 2)).toBe(6);
  });
});
