import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FunctionShippingError } from '../../src/errors/index.js';
import { explainReferenceError, prepareClass, prepareFunction, type ShippedFunction } from '../../src/serialize/function-source.js';
import { installFunctionRuntime } from '../../src/worker/function-runtime.js';

// What a worker thread installs before it imports a shipped module.
installFunctionRuntime();

/**
 * Makes a function from source text through indirect eval, so its `toString()` is exactly that
 * text: what a tool-transformed or hand-written function would show, without this test file's own
 * transform getting in the way. Global scope, so nothing from this file is captured.
 */
function fromSource<T = (...args: never[]) => unknown>(source: string): T {
  return (0, eval)(`(${source})`) as T;
}

const moduleDir = mkdtempSync(join(tmpdir(), 'flotilla-serialize-'));
afterAll(() => rmSync(moduleDir, { recursive: true, force: true }));

/** Imports `shipped.moduleSource` the way a worker does (a .mjs file named by its hash) and returns its default export. */
async function importShipped(shipped: ShippedFunction): Promise<(...args: unknown[]) => unknown> {
  const file = join(moduleDir, `${shipped.hash}.mjs`);
  writeFileSync(file, shipped.moduleSource);
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { default: (...args: unknown[]) => unknown };
  expect(typeof module.default).toBe('function');
  return module.default;
}

function shippingError(fn: unknown, context?: { what?: string }): string {
  try {
    prepareFunction(fn, context);
  } catch (error) {
    expect(error).toBeInstanceOf(FunctionShippingError);
    return (error as Error).message;
  }
  throw new Error('prepareFunction accepted a function it should refuse');
}

describe('prepareFunction: shapes that travel', () => {
  it('an arrow function, as a module whose default export works', async () => {
    const shipped = prepareFunction((x: number, y: number) => x * y + 1);
    expect(shipped.name).toBe('anonymous');
    expect(shipped.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(shipped.moduleSource).toContain('export default ');
    expect(await (await importShipped(shipped))(6, 7)).toBe(43);
  });

  it('named function expressions and declarations, including recursion by their own name', async () => {
    function fibonacci(n: number): number {
      return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
    }
    const shipped = prepareFunction(fibonacci);
    expect(shipped.name).toBe('fibonacci');
    expect(await (await importShipped(shipped))(10)).toBe(55);
  });

  it('async functions and async arrows', async () => {
    const shipped = prepareFunction(async function slowSquare(x: number) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return x * x;
    });
    expect(await (await importShipped(shipped))(9)).toBe(81);
    const arrow = prepareFunction(async (x: number) => x + (await Promise.resolve(1)));
    expect(await (await importShipped(arrow))(1)).toBe(2);
  });

  it('generators and async generators', async () => {
    const generator = await importShipped(
      prepareFunction(function* countTo(n: number) {
        for (let i = 1; i <= n; i++) yield i;
      }),
    );
    expect([...(generator(3) as Iterable<number>)]).toEqual([1, 2, 3]);
    const asyncGenerator = await importShipped(
      prepareFunction(async function* twice(x: number) {
        yield x;
        yield x;
      }),
    );
    const seen: number[] = [];
    for await (const value of asyncGenerator(5) as AsyncIterable<number>) seen.push(value);
    expect(seen).toEqual([5, 5]);
  });

  it('method shorthand: plain, async, generator, quoted, numeric and symbol-computed names, static class methods', async () => {
    const holder = {
      scale(x: number) {
        return x * 10;
      },
      async later(x: number) {
        return x + 1;
      },
      *pair(x: number) {
        yield x;
        yield -x;
      },
      'odd name'(x: number) {
        return `odd ${x}`;
      },
      42(x: number) {
        return x + 42;
      },
      [Symbol.for('flotilla.test')](x: number) {
        return x - 1;
      },
      get(x: number) {
        return `a method named get: ${x}`;
      },
    };
    class Tools {
      static triple(x: number): number {
        return x * 3;
      }
    }
    const cases: [unknown, unknown[], unknown][] = [
      [holder.scale, [4], 40],
      [holder['odd name'], [1], 'odd 1'],
      [holder[42], [0], 42],
      [holder[Symbol.for('flotilla.test')], [5], 4],
      [holder.get, [2], 'a method named get: 2'],
      [Tools.triple, [7], 21],
    ];
    for (const [method, args, expected] of cases) {
      const shipped = prepareFunction(method);
      expect(shipped.moduleSource).toContain('holder[Reflect.ownKeys(holder)[0]]');
      expect(await (await importShipped(shipped))(...args)).toBe(expected);
    }
    expect(await (await importShipped(prepareFunction(holder.later)))(1)).toBe(2);
    expect([...((await importShipped(prepareFunction(holder.pair)))(2) as Iterable<number>)]).toEqual([2, -2]);
  });

  it('globals, imports inside the function and an inner function reading its own arguments', async () => {
    const fn = fromSource(`async (text) => {
      const { createHash } = await import('node:crypto');
      const inner = function () { return arguments.length; };
      return [
        Math.max(1, 2), typeof process.pid, Buffer.from(text).length, typeof setTimeout, typeof console.log,
        JSON.stringify({ a: 1 }), new URL('https://x.test/a').host, typeof fetch, typeof structuredClone,
        createHash('sha256').update(text).digest('hex').length, inner(1, 2, 3),
        globalThis === global, typeof undefined, Number.isNaN(NaN), Infinity > 0,
      ];
    }`);
    const run = await importShipped(prepareFunction(fn));
    expect(await run('abc')).toEqual([2, 'number', 3, 'function', 'function', '{"a":1}', 'x.test', 'function', 'function', 64, 3, true, 'undefined', true, true]);
  });

  it('a function from a user module: import.meta is the caller\'s module; a literal relative import() resolves next to the shipped module (where uploads go)', async () => {
    const userDir = mkdtempSync(join(moduleDir, 'user-'));
    writeFileSync(
      join(userDir, 'tasks.mjs'),
      "export async function describeHere(x) { const { tag } = await import('./helper.mjs'); return [tag, import.meta.url.endsWith('/tasks.mjs'), x]; }\n",
    );
    const { describeHere } = (await import(/* @vite-ignore */ pathToFileURL(join(userDir, 'tasks.mjs')).href)) as {
      describeHere: (x: number) => Promise<unknown>;
    };
    // A helper beside the shipped module (as uploadFile would put one in the worker's directory).
    writeFileSync(join(moduleDir, 'helper.mjs'), "export const tag = 'worker-side helper';\n");
    const shipped = prepareFunction(describeHere);
    expect(shipped.name).toBe('describeHere');
    expect(await (await importShipped(shipped))(1)).toEqual(['worker-side helper', true, 1]);
  });

  it('new.target inside a function', async () => {
    const shipped = prepareFunction(fromSource('function Made() { return new.target === undefined; }'));
    expect(await (await importShipped(shipped))()).toBe(true);
  });

  it('arguments inside a non-arrow function', async () => {
    const shipped = prepareFunction(function countArgs() {
      // eslint-disable-next-line prefer-rest-params
      return arguments.length;
    });
    expect(await (await importShipped(shipped))(1, 2, 3)).toBe(3);
  });

  it('a function declared in this test file that uses import() and import.meta (undoing vitest\'s rewrite)', async () => {
    const fn = async (parts: string[]) => {
      const path = await import('node:path');
      return [path.posix.join(...parts), typeof import.meta.url];
    };
    // vitest compiles this file with vite's SSR transform, which renames both.
    expect(fn.toString()).toContain('__vite_ssr_dynamic_import__');
    const shipped = prepareFunction(fn);
    expect(shipped.moduleSource).not.toContain('__vite_ssr');
    // import() is bound to an import that finds packages from the caller's file (same length).
    expect(shipped.moduleSource).toContain('await __fimp(');
    // import.meta is bound to the caller's module under a name of the same length.
    expect(shipped.moduleSource).toContain('__flo_meta_.url');
    expect(await (await importShipped(shipped))(['a', 'b'])).toEqual(['a/b', 'string']);
  });

  it('leaves a name like vite\'s alone when the function declares it itself', async () => {
    const fn = fromSource('(x) => { const __vite_ssr_dynamic_import__ = (v) => v * 2; return __vite_ssr_dynamic_import__(x); }');
    const shipped = prepareFunction(fn);
    expect(shipped.moduleSource).toContain('__vite_ssr_dynamic_import__(x)');
    expect(await (await importShipped(shipped))(4)).toBe(8);
  });

  it('this inside a nested function or class of the function is fine', async () => {
    const fn = fromSource(`(x) => {
      class Box { constructor(v) { this.v = v; } get() { return this.v; } static make(v) { return new this(v); } }
      const counter = { n: x, next() { return ++this.n; } };
      function Legacy() { this.ok = true; }
      return [Box.make(x).get(), counter.next(), new Legacy().ok];
    }`);
    expect(await (await importShipped(prepareFunction(fn)))(4)).toEqual([4, 5, true]);
  });
});

describe('prepareFunction: free variables', () => {
  it('a variable of the caller scope travels by value (the fix the old refusal gave is no longer needed)', async () => {
    const offset = 3;
    const shipped = prepareFunction(function addOffset(x: number) {
      return x + offset;
    });
    expect(await (await importShipped(shipped))(4)).toBe(7);
  });

  it('a name defined nowhere is refused, and passing it as an argument (the advice) works', async () => {
    const message = shippingError(fromSource('function addOffset(x) { return x + undefinedOffset; }'));
    expect(message).toBe(
      'The function `addOffset` reads `undefinedOffset`, which is not defined where it was submitted (in none of its scopes, nor a global of this process), so nothing can travel for it. ' +
        'Declare it before submitting, pass `undefinedOffset` as an argument (client.submit(addOffset, undefinedOffset)), or, for a value a worker setup creates, read `globalThis.undefinedOffset`.',
    );
    const fixed = prepareFunction(fromSource('function addOffset(x, undefinedOffset) { return x + undefinedOffset; }'));
    expect(await (await importShipped(fixed))(4, 3)).toBe(7);
  });

  it('names every missing variable once, in order of appearance', () => {
    const fn = fromSource('(x) => { const local = scale * x; return local + shift + scale + table[x]; }');
    const message = shippingError(fn);
    expect(message).toContain('reads `scale`, `shift` and `table`, which are not defined where it was submitted');
    expect(message).toContain('pass `scale`, `shift` and `table` as arguments (client.submit(fn, scale, shift, table))');
    expect(message).toMatch(/^The anonymous function `\(x\) => \{ const local = scale \* x; retur…` reads/);
  });

  it('does not flag names the function declares itself', () => {
    const fn = fromSource(`function shadows(offset, { a, b: [c] }, ...rest) {
      const total = offset + a + c + rest.length;
      let later; var hoisted = 1;
      try { later = helper(total); } catch (error) { later = String(error); }
      for (const item of [1]) later += item;
      for (let i = 0; i < 1; i++) later += i;
      label: for (;;) { break label; }
      const Local = class Named { self() { return Named; } };
      function helper(v) { return v + hoisted; }
      return { later, Local, obj: { key: 1 }.key };
    }`);
    expect(() => prepareFunction(fn)).not.toThrow();
  });

  it('accepts property accesses and object keys that share a name with nothing', () => {
    const fn = fromSource('(o) => ({ notAVariable: o.alsoNotAVariable, [o.k]: o["x"] })');
    expect(() => prepareFunction(fn)).not.toThrow();
  });

  it('a computed method name read from the caller scope travels too', async () => {
    const methodName = 'dynamic';
    const holder = {
      [methodName](x: number) {
        return x;
      },
    };
    expect(await (await importShipped(prepareFunction(holder.dynamic)))(5)).toBe(5);
  });
});

describe('prepareFunction: names inserted by tools get a specific hint', () => {
  it.each([
    ['require', '() => require("node:fs")', /uses `require` from CommonJS.*ES module.*await import\('…'\)/],
    ['__dirname', '() => __dirname + "/data"', /uses `__dirname` from CommonJS.*import\.meta\.dirname/],
    ['__vi_import_0__', '(x) => __vi_import_0__.helper(x)', /refers to `__vi_import_0__`, a name your code does not contain: a test runner or bundler \(vitest\/vite\) rewrote an import/],
    ['__vite_ssr_import_1__', '(x) => __vite_ssr_import_1__.helper(x)', /`__vite_ssr_import_1__`, a name your code does not contain/],
    ['__name', '() => { const f = __name(() => 1, "f"); return f(); }', /calls `__name`, a helper that esbuild's keepNames option .* Compile the function with plain tsc, or turn keepNames off/],
    ['__awaiter', 'function (x) { return __awaiter(this, void 0, void 0, function* () { return x; }); }', /uses `__awaiter`, TypeScript's down-level helpers.*target ES2022 or later/],
    ['__generator', '() => __generator(null, () => 1)', /uses `__generator`, TypeScript's down-level helpers/],
    ['cov_1x2y3z', '(x) => { cov_1x2y3z().s[0]++; return x; }', /refers to `cov_1x2y3z`, a counter that code-coverage instrumentation inserted/],
  ])('%s', (_name, source, expected) => {
    expect(shippingError(fromSource(source))).toMatch(expected);
  });

  it('a function in this test file that uses an import of the file (rewritten by vitest)', () => {
    const fn = (message: string) => new FunctionShippingError(message);
    // vitest's transform turns the import into a property of a renamed module object.
    expect(fn.toString()).toMatch(/__vite_ssr_import_\d+__\.FunctionShippingError/);
    expect(shippingError(fn)).toMatch(
      /^The function `fn` refers to `__vite_ssr_import_\d+__`, a name your code does not contain: a test runner or bundler \(vitest\/vite\) rewrote an import the function uses\./,
    );
  });

  it('explains tool names and caller variables together', () => {
    const message = shippingError(fromSource('(x) => __name(x + offset, "y")'));
    expect(message).toContain('reads `offset`, which is not defined where it was submitted');
    expect(message).toContain('calls `__name`');
  });
});

describe('prepareFunction: refusals', () => {
  it('a non-function, saying what was received', () => {
    expect(shippingError(42)).toBe(
      '`submit` expects a function as its first argument, got the number 42. Pass the function first and its arguments after it: client.submit(fn, ...args).',
    );
    expect(shippingError(null)).toContain('got null');
    expect(shippingError('x => x', { what: 'map' })).toMatch(/^`map` expects a function as its first argument, got a string \("x => x"\)/);
    expect(shippingError({ run() {} })).toContain('got a plain object ({run})');
  });

  it('a class', () => {
    class Simulation {
      run(): number {
        return 1;
      }
    }
    expect(shippingError(Simulation)).toContain('`submit` got the class `Simulation`, but a class cannot be a task function; pass a function that uses it');
  });

  it('a native function', () => {
    expect(shippingError(Math.max)).toMatch(/got the native function `max`, which has no JavaScript source to send\. Wrap it in a function that calls it/);
  });

  it('a Node.js built-in written in JavaScript', () => {
    // setTimeout's text parses, but reads Node internals; the error must not list those as the user's variables.
    expect(Function.prototype.toString.call(setTimeout)).not.toContain('[native code]');
    const message = shippingError(setTimeout);
    expect(message).toContain("got `setTimeout`, a function from Node.js's own library");
    expect(message).toContain('(...args) => setTimeout(...args)');
    expect(message).not.toContain("from the caller's scope");
  });

  it('a bound function', () => {
    function greet(this: { who: string }) {
      return this.who;
    }
    const message = shippingError(greet.bind({ who: 'x' }));
    expect(message).toContain('got a bound function (`bound greet`)');
    expect(message).toContain('Pass the original function with the arguments bind() fixed in front');
  });

  it('getters and setters', () => {
    const holder = {
      get size() {
        return 1;
      },
      set size(_v: number) {},
    };
    const descriptor = Object.getOwnPropertyDescriptor(holder, 'size')!;
    expect(shippingError(descriptor.get)).toContain('The function `get size` is a getter; accessors cannot be task functions');
    expect(shippingError(descriptor.set)).toContain('is a setter');
  });

  it('a private class method, whose text is not valid on its own', () => {
    class Hidden {
      static expose(): unknown {
        return Hidden.#secret;
      }
      static #secret(x: number): number {
        return x;
      }
    }
    const message = shippingError(Hidden.expose());
    expect(message).toContain('does not parse as a function in a strict-mode ES module');
  });

  it('source that is not valid in strict mode', () => {
    const sloppy = new Function('o', 'with (o) { return a; }');
    expect(shippingError(sloppy)).toMatch(/^The anonymous function `function anonymous\(o \) \{ with.*` cannot be shipped: its source text .* does not parse as a function in a strict-mode ES module, which is how workers run it \(.*\)/);
  });

  it('a function using this', () => {
    const counter = {
      n: 1,
      increment() {
        return ++this.n;
      },
    };
    expect(shippingError(counter.increment)).toBe(
      'The function `increment` uses `this`; on a worker it is called without a receiver, so bind the values as arguments instead (take what it reads from `this` as parameters and pass them to submit).',
    );
    expect(shippingError(fromSource('function legacy() { return this.x; }'))).toContain('The function `legacy` uses `this`');
  });

  it('an arrow function using the caller\'s this', () => {
    expect(shippingError(fromSource('() => () => this.value'))).toContain(
      "uses `this` from the caller's scope (an arrow function's `this` is that of its surroundings), which does not travel with it; bind the values as arguments instead",
    );
  });

  it('a method using super', () => {
    const base = {
      hello() {
        return 'base';
      },
    };
    const derived = {
      __proto__: base,
      hello() {
        return `derived+${super.hello()}`;
      },
    };
    expect(shippingError(derived.hello)).toContain('The function `hello` uses `super`');
  });

  it('an arrow reading the arguments of the function around it', () => {
    expect(shippingError(fromSource('(x) => arguments[0] + x'))).toContain(
      'is an arrow function that reads `arguments` of the function around it, which does not travel with it. Use a rest parameter instead',
    );
  });
});

describe('prepareFunction: caching', () => {
  it('returns the cached object for the same function, quickly', () => {
    const fn = (x: number) => x + 1;
    const first = prepareFunction(fn);
    expect(prepareFunction(fn)).toBe(first);
    // Bounded loop; the limit is generous (the brief's target is < 1 µs) so a busy shared machine does not fail it.
    const calls = 20_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) prepareFunction(fn);
    const microsPerCall = Number(process.hrtime.bigint() - start) / 1000 / calls;
    expect(microsPerCall).toBeLessThan(5);
  });

  it('gives closures with the same source the same hash and module, each with its own name', () => {
    const make = () => (x: number) => x * 2;
    const a = make();
    const b = make();
    expect(a).not.toBe(b);
    const shippedA = prepareFunction(a);
    const shippedB = prepareFunction(b);
    expect(shippedB.hash).toBe(shippedA.hash);
    expect(shippedB.moduleSource).toBe(shippedA.moduleSource);
    const double = fromSource('function double(x) { return x * 2; }');
    const twice = fromSource('function double(x) { return x * 2; }');
    Object.defineProperty(twice, 'name', { value: 'twice' });
    expect(prepareFunction(double).name).toBe('double');
    expect(prepareFunction(twice).name).toBe('twice');
    expect(prepareFunction(twice).hash).toBe(prepareFunction(double).hash);
  });

  it('gives different sources different hashes', () => {
    expect(prepareFunction((x: number) => x + 1).hash).not.toBe(prepareFunction((x: number) => x + 2).hash);
  });

  it('refuses again, with the same message, a function it refused before', () => {
    const fn = fromSource('() => missingThing');
    const first = shippingError(fn);
    expect(shippingError(fn)).toBe(first);
  });
});

describe('explainReferenceError', () => {
  it('explains an undefined name the way submit would', () => {
    expect(explainReferenceError({ name: 'ReferenceError', message: 'offset is not defined' }, 'addOffset')).toBe(
      'The function `addOffset` failed on the worker with ReferenceError: `offset` is not defined there. It probably reads `offset`, which is not defined on the worker. ' +
        'Pass `offset` as an argument (client.submit(addOffset, offset)), or create it in a worker setup (client.registerWorkerSetup) and read `globalThis.offset`.',
    );
  });

  it('gives the tool-specific hint for inserted names', () => {
    expect(explainReferenceError({ name: 'ReferenceError', message: '__vi_import_3__ is not defined' }, 'anonymous')).toMatch(
      /^The anonymous function failed on the worker with ReferenceError: `__vi_import_3__` is not defined there\. It refers to `__vi_import_3__`, a name your code does not contain: a test runner/,
    );
    expect(explainReferenceError({ name: 'ReferenceError', message: 'require is not defined' }, 'load')).toContain('It uses `require` from CommonJS');
  });

  it('understands the ReferenceError V8 really raises', () => {
    let raised: unknown;
    try {
      fromSource<() => unknown>('() => definedNowhereAtAll')();
    } catch (error) {
      raised = error;
    }
    expect(raised).toBeInstanceOf(ReferenceError);
    expect(explainReferenceError(raised as ReferenceError, 'task')).toContain('`definedNowhereAtAll` is not defined there');
  });

  it('leaves other errors alone', () => {
    expect(explainReferenceError({ name: 'TypeError', message: 'x is not defined' }, 'f')).toBeUndefined();
    expect(explainReferenceError({ name: 'ReferenceError', message: "Cannot access 'x' before initialization" }, 'f')).toBeUndefined();
  });
});

describe('prepareClass: a class travels the way a function does (for actors)', () => {
  it('with its base class, the helpers and constants its methods read, and static fields', async () => {
    const rate = 3;
    function bump(x: number): number {
      return x + rate;
    }
    class Base {
      constructor(readonly start: number) {}
      value(): number {
        return bump(this.start);
      }
    }
    class Counter extends Base {
      static readonly kind = `counter-${rate}`;
      #count = 0;
      increment(): number {
        this.#count += rate;
        return super.value() + this.#count;
      }
    }
    const shipped = prepareClass(Counter);
    expect(shipped.name).toBe('Counter');
    const file = join(moduleDir, `${shipped.hash}.mjs`);
    writeFileSync(file, shipped.moduleSource);
    const { default: Shipped } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { default: typeof Counter };
    const counter = new Shipped(1);
    expect([counter.increment(), counter.increment(), Shipped.kind, counter instanceof Shipped]).toEqual([7, 10, 'counter-3', true]);
    expect(prepareClass(Counter)).toBe(shipped);
  });

  it('refuses what is not a class, saying how to pass one', () => {
    expect(() => prepareClass(() => 1)).toThrow(/`actor` expects a class, got the function `anonymous`\. Pass the class itself/);
  });
});
