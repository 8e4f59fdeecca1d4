/**
 * What travels with a function: its free names resolved against its own scopes, at the moment it
 * is first prepared. Values become a snapshot; functions it calls and classes it uses become more
 * shipped pieces (recursively, each with its own scopes); imported names become "import it again
 * on the worker"; well-known globals of the caller (`Math.max` kept in a variable) are read from
 * the worker's globals. Whatever cannot travel is collected as a problem with what to do instead.
 *
 * The same path serves classes (a class is a piece like a function), so an actor's class can
 * travel the way a task function does.
 */
import { pathToFileURL } from 'node:url';
import { isBuiltin } from 'node:module';
import { types } from 'node:util';
import { SerializationError } from '../errors/index.js';
import { describeValue } from './describe.js';
import {
  findDependencies,
  isParseFailure,
  looksLikeNodeInternals,
  parseClassSource,
  parseFunctionSource,
  undoTestRunnerRewrites,
  type ParsedFunction,
} from './function-analysis.js';
import { captureMessages } from './capture-messages.js';
import { explainMissingNames, functionSubject, shippingMessages } from './function-messages.js';
import { inspectorUnavailable, readClosure, scriptSource, scriptsWithoutFile, scriptUrl, type ClosureReading, type ScopeVariable } from './inspector-scopes.js';
import { importedNames, type ImportBinding } from './module-bindings.js';
import { builtinPath, isNodeBuiltin } from './node-builtins.js';
import { exportsMembers, IMPORT_NAME, META_NAME, rewriteModuleSyntax } from './source-rewrites.js';
import { encodeValue } from './value-codec.js';

/** How one free name of a piece is bound on the worker. */
export type Binding =
  | { kind: 'value'; index: number }
  | { kind: 'piece'; index: number }
  | { kind: 'import'; index: number; property?: string; wrapDefault?: boolean }
  | { kind: 'require' }
  | { kind: 'global'; path: string }
  | { kind: 'exports'; members: Map<string, Binding> };

/** One function or class that travels as its text. */
export interface Piece {
  name: string;
  /** The text to run (after rewrites), a function expression, method shorthand or class. */
  source: string;
  shape: ParsedFunction['shape'];
  /** The caller's module (file URL), '' when V8 knows none (eval, a REPL line). */
  url: string;
  /** 0-based line and column of the text's start in the caller's module. */
  line: number;
  column: number;
  usesMeta: boolean;
  /** It calls `import()` (renamed {@link IMPORT_NAME}). */
  usesImport: boolean;
  bindings: Map<string, Binding>;
}

/** An import to do again on the worker. */
export interface ShippedImport {
  how: 'import' | 'require';
  /** Bare and `node:` specifiers as written; relative ones made absolute file URLs. */
  specifier: string;
  /** The module of the caller that imported it (a file URL), for resolving bare specifiers there. */
  from: string;
}

/** The closure of a root function (piece 0) or class. */
export interface Capture {
  pieces: Piece[];
  values: unknown[];
  valueNames: string[];
  imports: ShippedImport[];
}

/** Captured values travel inside the function's module; larger ones belong in `scatter`. */
export const MAX_CAPTURED_BYTES = 1024 * 1024;

/** `function max() { [native code] }`, also what bound functions and Proxies of functions show. */
const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}$/;
const CLASS_SOURCE = /^class\b/;

export function nameOf(fn: Function): string {
  const name: unknown = fn.name;
  return typeof name === 'string' && name !== '' ? name : 'anonymous';
}

export function isClass(fn: Function): boolean {
  return CLASS_SOURCE.test(Function.prototype.toString.call(fn));
}

function isNative(fn: Function): boolean {
  return NATIVE_SOURCE.test(Function.prototype.toString.call(fn));
}

/** A CommonJS `require` function (what tslab cells and CommonJS modules have). */
function isRequireFunction(fn: Function): boolean {
  const candidate = fn as unknown as { resolve?: unknown; cache?: unknown };
  return typeof candidate.resolve === 'function' && typeof candidate.cache === 'object' && candidate.cache !== null;
}

/** A parsed function or class text, after undoing rewrites; parsing is cached by text. */
interface Analysed {
  parsed: ParsedFunction;
  source: string;
  freeNames: string[];
  usesThis: boolean;
  usesSuper: boolean;
  readsOuterArguments: boolean;
  exportsMembers: string[] | undefined;
  usesMeta: boolean;
  usesImport: boolean;
}

const MAX_CACHED_ANALYSES = 10_000;
const analyses = new Map<string, Analysed | { failure: string }>();

function analyse(originalSource: string, asClass: boolean, subject: string): Analysed | { failure: string } {
  const key = `${asClass ? 'c' : 'f'}${originalSource}`;
  const cached = analyses.get(key);
  if (cached !== undefined) return cached;
  const result = analyseUncached(originalSource, asClass, subject);
  if (analyses.size >= MAX_CACHED_ANALYSES) analyses.delete(analyses.keys().next().value!);
  analyses.set(key, result);
  return result;
}

function analyseUncached(originalSource: string, asClass: boolean, subject: string): Analysed | { failure: string } {
  const parseText = asClass ? parseClassSource : parseFunctionSource;
  let parsed = parseText(originalSource);
  if (isParseFailure(parsed)) {
    return { failure: parsed.kind === 'accessor' ? shippingMessages.accessor(subject, parsed.accessor) : shippingMessages.syntax(subject, parsed.message, originalSource) };
  }
  let source = originalSource;
  for (const rewrite of [undoTestRunnerRewrites, rewriteModuleSyntax]) {
    const rewritten = rewrite(parsed, source);
    if (rewritten === undefined) continue;
    const reparsed = parseText(rewritten);
    if (isParseFailure(reparsed)) continue;
    parsed = reparsed;
    source = rewritten;
  }
  const dependencies = findDependencies(parsed);
  const usesMeta = dependencies.freeNames.includes(META_NAME);
  const usesImport = dependencies.freeNames.includes(IMPORT_NAME);
  return {
    parsed,
    source,
    freeNames: dependencies.freeNames.filter((name) => name !== META_NAME && name !== IMPORT_NAME),
    usesThis: !asClass && dependencies.usesThis,
    usesSuper: !asClass && dependencies.usesSuper,
    readsOuterArguments: dependencies.readsOuterArguments,
    exportsMembers: exportsMembers(parsed),
    usesMeta,
    usesImport,
  };
}

/** Where the text of a function starts, from V8's location (which for `function f(` and methods is the parenthesis). */
function textStart(analysed: Analysed, line: number, column: number): { line: number; column: number } {
  const root = analysed.parsed.root;
  if (root.type === 'ArrowFunctionExpression' || root.type === 'ClassExpression') return { line, column };
  const paren = analysed.source.indexOf('(');
  if (paren < 0) return { line, column };
  const before = analysed.source.slice(0, paren);
  const newlines = before.split('\n').length - 1;
  if (newlines > 0) return { line: line - newlines, column: 0 };
  return { line, column: Math.max(0, column - paren) };
}

function fileUrlOf(url: string): string {
  if (url.startsWith('/')) return pathToFileURL(url).href;
  return url;
}

/** The caller-side base for relative specifiers when the script has no file: the working directory. */
function baseUrl(url: string): string {
  return url.startsWith('file:') ? url : pathToFileURL(`${process.cwd()}/`).href;
}

function resolveSpecifier(specifier: string, from: string): string {
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/')) return new URL(specifier, from).href;
  return specifier;
}

const TEST_RUNNER_IMPORT = /^(__vite_ssr_import_\d+__|__vi_import_\d+__)$/;

/** A `node:` built-in or a package name, as opposed to a path or a loader's module id. */
function isPackageSpecifier(specifier: string): boolean {
  return isBuiltin(specifier) || !/^(\.{0,2}\/|[a-z]+:)/.test(specifier);
}

/** The import of `name` at the top of a recent script without a file (a notebook cell), if one has it. */
function importInAnotherCell(name: string): ImportBinding | undefined {
  for (const id of scriptsWithoutFile(200)) {
    const found = importedNames(id, () => scriptSource(id)).get(name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The state of one capture: pieces found so far and everything they read. */
class CaptureBuilder {
  readonly pieces: Piece[] = [];
  readonly values: unknown[] = [];
  readonly valueNames: string[] = [];
  readonly valueSizes: number[] = [];
  readonly imports: ShippedImport[] = [];
  readonly problems: string[] = [];
  readonly #pieceOf = new Map<Function, number>();
  readonly #importIndex = new Map<string, number>();

  constructor(readonly what: string, readonly rootName: string) {}

  /** Adds `fn` (and, recursively, what it reads) and returns its piece index. */
  piece(fn: Function, via: string | undefined): number {
    const known = this.#pieceOf.get(fn);
    if (known !== undefined) return known;
    const index = this.pieces.length;
    this.#pieceOf.set(fn, index);
    const name = nameOf(fn);
    const asClass = isClass(fn);
    const originalSource = Function.prototype.toString.call(fn);
    const subject = via === undefined ? functionSubject(name, originalSource) : `${functionSubject(name, originalSource)} (${via})`;
    const piece: Piece = { name, source: originalSource, shape: 'expression', url: '', line: 0, column: 0, usesMeta: false, usesImport: false, bindings: new Map() };
    this.pieces.push(piece);
    const analysed = analyse(originalSource, asClass, subject);
    if ('failure' in analysed) {
      this.problems.push(analysed.failure);
      return index;
    }
    piece.source = analysed.source;
    piece.shape = analysed.parsed.shape;
    piece.usesMeta = analysed.usesMeta;
    piece.usesImport = analysed.usesImport;
    if (analysed.freeNames.length > 0 && (isNodeBuiltin(fn) || looksLikeNodeInternals(analysed.freeNames))) {
      this.problems.push(shippingMessages.nodeBuiltin(this.what, name));
      return index;
    }
    if (analysed.usesThis) this.problems.push(shippingMessages.usesThis(subject, analysed.parsed.root.type === 'ArrowFunctionExpression'));
    if (analysed.usesSuper) this.problems.push(shippingMessages.usesSuper(subject));
    if (analysed.readsOuterArguments) this.problems.push(shippingMessages.readsOuterArguments(subject));

    // Without an inspector (a Node built without it) nothing can be read: every free name is then missing.
    const reading: ClosureReading = inspectorUnavailable() === undefined
      ? readClosure(fn, analysed.freeNames)
      : { location: { scriptId: '', line: 0, column: 0 }, variables: new Map() };
    // `extends Base` is evaluated once, where the class is made: V8 keeps `Base` in no scope of the
    // class unless a method names it, but the class's prototype chain holds it.
    const heritage = analysed.parsed.root.type === 'ClassExpression' ? analysed.parsed.root.superClass : undefined;
    if (heritage?.type === 'Identifier' && !reading.variables.has(heritage.name) && analysed.freeNames.includes(heritage.name)) {
      reading.variables.set(heritage.name, { value: Object.getPrototypeOf(fn), scope: 'Closure', topLevel: false });
    }
    const url = fileUrlOf(scriptUrl(reading.location.scriptId));
    const start = textStart(analysed, reading.location.line, reading.location.column);
    Object.assign(piece, { url, line: start.line, column: start.column });
    const missing: string[] = [];
    const by = `called by \`${name}\``;
    for (const freeName of analysed.freeNames) {
      const variable = reading.variables.get(freeName) ?? this.#callerGlobal(freeName);
      if (variable === undefined) {
        missing.push(freeName);
        continue;
      }
      const binding = freeName === 'exports' && analysed.exportsMembers !== undefined && typeof variable.value === 'object' && variable.value !== null
        ? this.#exportsBinding(variable.value as Record<string, unknown>, analysed.exportsMembers, reading.location.scriptId, url, by)
        : this.#bind(freeName, variable, reading.location.scriptId, url, by);
      if (binding !== undefined) piece.bindings.set(freeName, binding);
    }
    if (missing.length > 0) this.problems.push(explainMissingNames(subject, name, missing));
    return index;
  }

  /** A name no scope of the function holds may still be a global of the caller (a REPL `var`, a user's globalThis.x). */
  #callerGlobal(name: string): ScopeVariable | undefined {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    if (descriptor === undefined || !('value' in descriptor)) return undefined;
    return { value: descriptor.value, scope: 'Global', topLevel: true };
  }

  #exportsBinding(exportsObject: Record<string, unknown>, members: string[], scriptId: string, url: string, by: string): Binding {
    const bound = new Map<string, Binding>();
    for (const member of members) {
      const descriptor = Object.getOwnPropertyDescriptor(exportsObject, member);
      if (descriptor === undefined || !('value' in descriptor)) {
        this.problems.push(captureMessages.notDefined(this.rootName, member, 'exports.'));
        continue;
      }
      const value: unknown = descriptor.value;
      // A module another cell imported (`exports.path`): find that cell's import of the name.
      const imported = typeof value === 'object' && value !== null ? importInAnotherCell(member) : undefined;
      const binding = imported !== undefined
        ? this.#importBinding(imported, url)
        : this.#bind(member, { value, scope: 'Module', topLevel: false }, scriptId, url, by);
      if (binding !== undefined) bound.set(member, binding);
    }
    return { kind: 'exports', members: bound };
  }

  #bind(name: string, variable: ScopeVariable, scriptId: string, url: string, by: string): Binding | undefined {
    const value = variable.value;
    const isObjectLike = (typeof value === 'object' && value !== null) || typeof value === 'function';
    if (variable.topLevel && isObjectLike && scriptId !== '') {
      const imported = importedNames(scriptId, () => scriptSource(scriptId)).get(name);
      // A test runner's import of a project file names it by the runner's own module id, which a worker cannot load.
      if (TEST_RUNNER_IMPORT.test(name) && (imported === undefined || !isPackageSpecifier(imported.specifier))) {
        this.problems.push(explainMissingNames(functionSubject(this.rootName), this.rootName, [name]));
        return undefined;
      }
      if (imported !== undefined) return this.#importBinding(imported, url);
    }
    if (typeof value === 'function') {
      if (isRequireFunction(value)) return { kind: 'require' };
      const path = builtinPath(value);
      if (path !== undefined) return { kind: 'global', path };
      if (isNative(value)) {
        this.problems.push(captureMessages.nativeFunction(this.rootName, name, nameOf(value)));
        return undefined;
      }
      return { kind: 'piece', index: this.piece(value, by) };
    }
    if (types.isModuleNamespaceObject(value)) {
      this.problems.push(captureMessages.namespace(this.rootName, name));
      return undefined;
    }
    return this.#valueBinding(name, value);
  }

  #importBinding(imported: ImportBinding, url: string): Binding {
    const from = baseUrl(url);
    const specifier = isBuiltin(imported.specifier) ? imported.specifier : resolveSpecifier(imported.specifier, from);
    const key = `${imported.how}\0${specifier}\0${from}`;
    let index = this.#importIndex.get(key);
    if (index === undefined) {
      index = this.imports.length;
      this.imports.push({ how: imported.how, specifier, from });
      this.#importIndex.set(key, index);
    }
    return { kind: 'import', index, ...(imported.property !== undefined ? { property: imported.property } : {}), ...(imported.wrapDefault ? { wrapDefault: true } : {}) };
  }

  #valueBinding(name: string, value: unknown): Binding | undefined {
    try {
      const encoded = encodeValue(value, { label: `the captured \`${name}\``, frameThresholdBytes: Number.POSITIVE_INFINITY });
      this.valueSizes.push(encoded.body.byteLength);
    } catch (error) {
      if (!(error instanceof SerializationError)) throw error;
      this.problems.push(captureMessages.notSerializable(this.rootName, name, describeValue(value), error.message));
      return undefined;
    }
    this.values.push(value);
    this.valueNames.push(name);
    return { kind: 'value', index: this.values.length - 1 };
  }

  /** Refuses captured values that together exceed {@link MAX_CAPTURED_BYTES}, naming the largest. */
  checkSize(): void {
    const total = this.valueSizes.reduce((sum, size) => sum + size, 0);
    if (total <= MAX_CAPTURED_BYTES) return;
    const largest = this.valueSizes.map((size, i) => ({ size, name: this.valueNames[i]! })).sort((a, b) => b.size - a.size)[0]!;
    this.problems.push(captureMessages.tooLarge(this.rootName, largest.name, largest.size, total, MAX_CAPTURED_BYTES));
  }
}

/** Problems that stop a capture; thrown as one FunctionShippingError by the caller. */
export class CaptureProblems extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join(' '));
  }
}

/**
 * Resolves everything `root` reads, now (the snapshot). `what` names the API it was given to.
 * @throws CaptureProblems listing every name that cannot travel and what to do instead.
 */
export function captureFunction(root: Function, what: string): Capture {
  const builder = new CaptureBuilder(what, nameOf(root));
  builder.piece(root, undefined);
  builder.checkSize();
  if (builder.problems.length > 0) throw new CaptureProblems([...new Set(builder.problems)]);
  return { pieces: builder.pieces, values: builder.values, valueNames: builder.valueNames, imports: builder.imports };
}
