/**
 * Shipping functions: a function travels as the text of a small ES module (whose default export is
 * the function) together with what it reads, resolved from its own scopes when it is first prepared
 * (see function-capture.ts), and is identified by a hash of that module. Workers write the module
 * to disk under its hash and import it, so the module cache doubles as the function cache.
 */
import { FunctionShippingError } from '../errors/index.js';
import { digest } from '../util/digest.js';
import { describeValue } from './describe.js';
import { captureFunction, CaptureProblems, isClass, nameOf } from './function-capture.js';
import { writeModule } from './function-module.js';
import { shippingMessages } from './function-messages.js';

// Workers need only this, without the parser: they can import it from './reference-error.js'.
export { explainReferenceError } from './reference-error.js';
export { MAX_CAPTURED_BYTES } from './function-capture.js';

/** A function ready to be sent to workers. */
export interface ShippedFunction {
  /** sha256 (hex, first 32 chars) of moduleSource. */
  hash: string;
  /** fn.name or 'anonymous'; used in task keys like `${name}-${hash}`. */
  name: string;
  /** ES module text whose default export is the function (with what it captured), and `origins` for stacks. */
  moduleSource: string;
}

/** Where the function was passed, for messages. */
export interface PrepareFunctionContext {
  /** The API that received it, e.g. 'submit', 'map', 'run'. @defaultValue `'submit'` */
  what?: string;
}

/** Source-text cache entries for functions that read nothing; bounded because programs may generate functions. */
const MAX_CACHED_SOURCES = 10_000;

const byFunction = new WeakMap<object, ShippedFunction>();
const closedBySource = new Map<string, { hash: string; moduleSource: string }>();

/** `function max() { [native code] }`, also what bound functions and Proxies of functions show. */
const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}$/;

function hashOf(moduleSource: string): string {
  return digest('sha256', moduleSource, 'hex').slice(0, 32);
}

function ship(fn: Function, what: string, allowClass: boolean): ShippedFunction {
  const name = nameOf(fn);
  // Function.prototype.toString, not fn.toString: a function may carry its own toString.
  const originalSource = Function.prototype.toString.call(fn);
  if (NATIVE_SOURCE.test(originalSource)) {
    throw new FunctionShippingError(
      name.startsWith('bound ') ? shippingMessages.bound(what, name) : shippingMessages.native(what, name),
    );
  }
  if (!allowClass && isClass(fn)) throw new FunctionShippingError(shippingMessages.aClass(what, name));
  // A function that reads nothing is the same module wherever its text appears (a new arrow per loop turn).
  const closed = closedBySource.get(originalSource);
  if (closed !== undefined) return { ...closed, name };

  let capture;
  try {
    capture = captureFunction(fn, what);
  } catch (error) {
    if (error instanceof CaptureProblems) throw new FunctionShippingError(error.message);
    throw error;
  }
  const moduleSource = writeModule(capture);
  const entry = { hash: hashOf(moduleSource), moduleSource };
  const root = capture.pieces[0]!;
  if (capture.pieces.length === 1 && root.bindings.size === 0 && !root.usesMeta && !root.usesImport) {
    if (closedBySource.size >= MAX_CACHED_SOURCES) closedBySource.delete(closedBySource.keys().next().value!);
    closedBySource.set(originalSource, entry);
  }
  return { ...entry, name };
}

/**
 * Prepares a function for shipping, once per function object (later calls with the same object
 * cost one WeakMap lookup and send the same snapshot).
 *
 * What the function reads from outside itself travels with it, resolved now from its own scopes
 * (enclosing functions, its module, the script or notebook cell): values that serialize as a
 * snapshot (at most {@link MAX_CAPTURED_BYTES} in all), functions it calls and classes it uses as
 * their source (recursively, with what they read), imported names (named, default and namespace
 * imports, `require` results, `node:` built-ins) as the same import done again on the worker, with
 * relative specifiers resolved against the caller's file. `import.meta` in the function means the
 * caller's module. Test runners' (vitest) and tslab's rewrites of `import()` and `import.meta` are
 * undone.
 *
 * @throws FunctionShippingError for a non-function, a class, a native or bound function, a getter or
 *   setter, source that is not valid strict-mode JavaScript, a function that uses `this` or `super`,
 *   an arrow reading an outer `arguments`, or one that reads names that cannot travel (each one is
 *   named, with what to do instead).
 */
export function prepareFunction(fn: unknown, context?: PrepareFunctionContext): ShippedFunction {
  if (typeof fn !== 'function') {
    throw new FunctionShippingError(shippingMessages.notAFunction(context?.what ?? 'submit', describeValue(fn)));
  }
  const hit = byFunction.get(fn);
  if (hit !== undefined) return hit;
  const shipped = ship(fn, context?.what ?? 'submit', false);
  byFunction.set(fn, shipped);
  return shipped;
}

const byClass = new WeakMap<object, ShippedFunction>();

/**
 * Prepares a class for shipping the way {@link prepareFunction} prepares a function: the module's
 * default export is the class, created on the worker with what its methods read (for actors).
 * @throws FunctionShippingError when `cls` is not a class or reads what cannot travel.
 */
export function prepareClass(cls: unknown, context?: PrepareFunctionContext): ShippedFunction {
  const what = context?.what ?? 'actor';
  if (typeof cls !== 'function' || !isClass(cls)) {
    throw new FunctionShippingError(`\`${what}\` expects a class, got ${typeof cls === 'function' ? `the function \`${nameOf(cls)}\`` : describeValue(cls)}. Pass the class itself: \`${what}(MyClass, ...args)\`.`);
  }
  const hit = byClass.get(cls);
  if (hit !== undefined) return hit;
  const shipped = ship(cls, what, true);
  byClass.set(cls, shipped);
  return shipped;
}
