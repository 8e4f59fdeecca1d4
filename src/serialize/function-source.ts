/**
 * Shipping functions as source text: checks that a function can run from its text alone, and turns
 * it into a small ES module (whose default export is the function) identified by a content hash.
 * Workers write that module to disk under its hash and import it, so the module cache doubles as
 * the function cache.
 */
import { FunctionShippingError } from '../errors/index.js';
import { digest } from '../util/digest.js';
import { describeValue } from './describe.js';
import {
  findDependencies,
  isParseFailure,
  looksLikeNodeInternals,
  parseFunctionSource,
  undoTestRunnerRewrites,
  type ParsedFunction,
} from './function-analysis.js';
import { isNodeBuiltin } from './node-builtins.js';
import { explainMissingNames, functionSubject, shippingMessages } from './function-messages.js';

// Workers need only this, without the parser: they can import it from './reference-error.js'.
export { explainReferenceError } from './reference-error.js';

/** A function ready to be sent to workers. */
export interface ShippedFunction {
  /** sha256 (hex, first 32 chars) of moduleSource. */
  hash: string;
  /** fn.name or 'anonymous'; used in task keys like `${name}-${hash}`. */
  name: string;
  /** ES module text whose default export is the function, e.g. `export default (<source>);\n`. */
  moduleSource: string;
}

/** Where the function was passed, for messages. */
export interface PrepareFunctionContext {
  /** The API that received it, e.g. 'submit', 'map', 'run'. @defaultValue `'submit'` */
  what?: string;
}

/** Source-text cache entries; bounded because programs may generate functions (e.g. with `new Function`). */
const MAX_CACHED_SOURCES = 10_000;

const byFunction = new WeakMap<object, ShippedFunction>();
const bySource = new Map<string, { hash: string; moduleSource: string }>();

/** `function max() { [native code] }`, also what bound functions and Proxies of functions show. */
const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}$/;
const CLASS_SOURCE = /^class\b/;

/** The holder object's name in method-shorthand modules; it cannot clash with user code inside the method. */
const METHOD_HOLDER = '__flotilla_method_holder__';

function nameOf(fn: Function): string {
  const name: unknown = fn.name;
  return typeof name === 'string' && name !== '' ? name : 'anonymous';
}

function buildModuleSource(parsed: ParsedFunction, source: string): string {
  if (parsed.shape === 'expression') return `export default (${source}\n);\n`;
  // Method shorthand is only valid inside an object literal: build one and export its only member
  // (by own key, so string, numeric and symbol-computed names all work).
  return `const ${METHOD_HOLDER} = {${source}\n};\nexport default ${METHOD_HOLDER}[Reflect.ownKeys(${METHOD_HOLDER})[0]];\n`;
}

function hashOf(moduleSource: string): string {
  return digest('sha256', moduleSource, 'hex').slice(0, 32);
}

/** Everything that stops this source from running on its own; empty when it can. */
function findProblems(fn: Function, parsed: ParsedFunction, subject: string, name: string, what: string): string[] {
  const dependencies = findDependencies(parsed);
  if (dependencies.freeNames.length > 0 && (isNodeBuiltin(fn) || looksLikeNodeInternals(dependencies.freeNames))) {
    // Node's own library is JavaScript too: its text parses, but it reads Node's internals.
    return [shippingMessages.nodeBuiltin(what, name)];
  }
  const problems: string[] = [];
  if (dependencies.usesThis) problems.push(shippingMessages.usesThis(subject, parsed.root.type === 'ArrowFunctionExpression'));
  if (dependencies.usesSuper) problems.push(shippingMessages.usesSuper(subject));
  if (dependencies.readsOuterArguments) problems.push(shippingMessages.readsOuterArguments(subject));
  if (dependencies.freeNames.length > 0) problems.push(explainMissingNames(subject, name, dependencies.freeNames));
  return problems;
}

/** Parses `source` as a function, first undoing a test runner's rewrites of `import()` and `import.meta`. */
function parseShippable(source: string, subject: string): { parsed: ParsedFunction; source: string } {
  let parsed = parseFunctionSource(source);
  if (!isParseFailure(parsed)) {
    const restored = undoTestRunnerRewrites(parsed, source);
    if (restored !== undefined) {
      const reparsed = parseFunctionSource(restored);
      if (!isParseFailure(reparsed)) return { parsed: reparsed, source: restored };
    }
    return { parsed, source };
  }
  throw new FunctionShippingError(
    parsed.kind === 'accessor'
      ? shippingMessages.accessor(subject, parsed.accessor)
      : shippingMessages.syntax(subject, parsed.message, source),
  );
}

function ship(fn: Function, what: string): ShippedFunction {
  const name = nameOf(fn);
  // Function.prototype.toString, not fn.toString: a function may carry its own toString.
  const originalSource = Function.prototype.toString.call(fn);
  if (NATIVE_SOURCE.test(originalSource)) {
    throw new FunctionShippingError(
      name.startsWith('bound ') ? shippingMessages.bound(what, name) : shippingMessages.native(what, name),
    );
  }
  if (CLASS_SOURCE.test(originalSource)) throw new FunctionShippingError(shippingMessages.aClass(what, name));

  const cached = bySource.get(originalSource);
  if (cached !== undefined) return { ...cached, name };

  const subject = functionSubject(name, originalSource);
  const { parsed, source } = parseShippable(originalSource, subject);
  const problems = findProblems(fn, parsed, subject, name, what);
  if (problems.length > 0) throw new FunctionShippingError(problems.join(' '));

  const moduleSource = buildModuleSource(parsed, source);
  const entry = { hash: hashOf(moduleSource), moduleSource };
  if (bySource.size >= MAX_CACHED_SOURCES) bySource.delete(bySource.keys().next().value!);
  bySource.set(originalSource, entry);
  return { ...entry, name };
}

/**
 * Validates and converts a function for shipping; cached by function object (WeakMap) and by
 * source text (Map), so submitting the same function again costs one WeakMap lookup.
 *
 * Accepted: arrow functions, `function` and `async function` expressions or declarations,
 * generators, and method shorthand (`foo(x) { … }`). The function may use its parameters, worker
 * globals (`Math`, `process`, `Buffer`, `setTimeout`, …), `import()` and `import.meta`. When a test
 * runner (vitest/vite) has rewritten `import()` or `import.meta` in the function's text, the
 * original syntax is restored, so functions written in test files can import modules.
 *
 * @throws FunctionShippingError for a non-function, a class, a native or bound function, a getter or
 *   setter, source that is not valid strict-mode JavaScript, a function that uses `this` or `super`,
 *   an arrow reading an outer `arguments`, or one that reads variables of the caller's scope (each
 *   one is named, with what to do instead).
 */
export function prepareFunction(fn: unknown, context?: PrepareFunctionContext): ShippedFunction {
  if (typeof fn !== 'function') {
    throw new FunctionShippingError(shippingMessages.notAFunction(context?.what ?? 'submit', describeValue(fn)));
  }
  const hit = byFunction.get(fn);
  if (hit !== undefined) return hit;
  const shipped = ship(fn, context?.what ?? 'submit');
  byFunction.set(fn, shipped);
  return shipped;
}
