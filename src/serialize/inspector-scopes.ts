/**
 * Reading a function's closure through V8's inspector, in this very thread: where the function was
 * defined (`[[FunctionLocation]]`: script, line, column), the file or URL and source text of that
 * script, and the current values of named variables of its scopes (`[[Scopes]]`: enclosing
 * functions, the module, the script). The in-thread inspector session answers synchronously, so
 * `prepareFunction` stays synchronous. Nothing here runs user code.
 */
import { createRequire } from 'node:module';
import type { Session as InspectorSession } from 'node:inspector';

/** Where a function's text starts: 0-based line and column in its script, as V8 counts them. */
export interface FunctionLocation {
  scriptId: string;
  line: number;
  column: number;
}

/** What V8 calls each scope of a closure (the start of its description: `Closure (outer)` is `Closure`). */
export type ScopeKind = 'Closure' | 'Module' | 'Script' | 'Global' | 'Block' | 'Catch' | 'With' | 'Eval' | 'Local' | 'Other';

/** A variable found in one of a function's scopes. */
export interface ScopeVariable {
  value: unknown;
  scope: ScopeKind;
  /** True when the scope is the outermost one that is not the global object (module or script top level). */
  topLevel: boolean;
}

/** What the inspector tells about one function. */
export interface ClosureReading {
  location: FunctionLocation;
  /** The variables among the names asked for that a scope of the function holds. */
  variables: Map<string, ScopeVariable>;
}

interface RemoteObject {
  type: string;
  subtype?: string;
  value?: unknown;
  unserializableValue?: string;
  objectId?: string;
  description?: string;
}

interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
}

const GROUP = 'flotilla-closure';
const SLOT = '__flotilla_inspector_slot__';

let session: InspectorSession | undefined;
let unavailable: string | undefined;
/** url of every script seen while the debugger was on; filled on demand. */
const scriptUrls = new Map<string, string>();
const scriptSources = new Map<string, string>();
const MAX_CACHED_SOURCES = 200;

function connect(): InspectorSession | undefined {
  if (session !== undefined || unavailable !== undefined) return session;
  try {
    // Loaded on demand: Node built without the inspector throws here, and then closures cannot be read.
    const { Session } = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
    const opened = new Session();
    opened.connect();
    opened.on('Debugger.scriptParsed', (event: { params: { scriptId: string; url: string } }) => {
      scriptUrls.set(event.params.scriptId, event.params.url);
    });
    session = opened;
  } catch (error) {
    unavailable = error instanceof Error ? error.message : String(error);
  }
  return session;
}

/** Why closures cannot be read in this process, or undefined when they can. */
export function inspectorUnavailable(): string | undefined {
  connect();
  return unavailable;
}

function post<T>(method: string, params: object): T {
  const open = connect();
  if (open === undefined) throw new Error(`the inspector is not available: ${unavailable}`);
  let reply: T | undefined;
  let failure: Error | null = null;
  let answered = false;
  open.post(method, params, (error: Error | null, result: unknown) => {
    failure = error;
    reply = result as T;
    answered = true;
  });
  if (!answered) throw new Error(`the inspector did not answer ${method} synchronously`);
  if (failure) throw failure;
  return reply!;
}

/** The actual value a remote object stands for, in this thread. */
function valueOf(remote: RemoteObject): unknown {
  if (remote.objectId !== undefined) {
    post('Runtime.callFunctionOn', {
      objectId: remote.objectId,
      functionDeclaration: `function () { globalThis[${JSON.stringify(SLOT)}] = this; }`,
      objectGroup: GROUP,
    });
    const slots = globalThis as unknown as Record<string, unknown>;
    const value = slots[SLOT];
    delete slots[SLOT];
    return value;
  }
  if (remote.type === 'undefined') return undefined;
  if (remote.unserializableValue !== undefined) {
    const text = remote.unserializableValue;
    if (text.endsWith('n')) return BigInt(text.slice(0, -1));
    return text === '-0' ? -0 : Number(text);
  }
  return remote.value;
}

function objectIdOf(value: unknown): string {
  const slots = globalThis as unknown as Record<string, unknown>;
  slots[SLOT] = value;
  try {
    const { result } = post<{ result: RemoteObject }>('Runtime.evaluate', { expression: `globalThis[${JSON.stringify(SLOT)}]`, objectGroup: GROUP });
    if (result.objectId === undefined) throw new Error('the inspector gave no object id for a function');
    return result.objectId;
  } finally {
    delete slots[SLOT];
  }
}

function properties(objectId: string): { result: PropertyDescriptor[]; internalProperties?: PropertyDescriptor[] } {
  return post('Runtime.getProperties', { objectId, ownProperties: true, generatePreview: false, objectGroup: GROUP });
}

function scopeKind(description: string | undefined): ScopeKind {
  const word = (description ?? '').split(' ')[0];
  switch (word) {
    case 'Closure': case 'Module': case 'Script': case 'Global': case 'Block': case 'Catch': case 'With': case 'Eval': case 'Local':
      return word;
    default:
      return 'Other';
  }
}

/**
 * Reads where `fn` was defined and the values of `names` in its scopes, innermost scope first (as
 * the function itself would see them). Names no scope holds are left out: they are globals or
 * undeclared. The global scope is not read here (the caller looks at `globalThis`).
 */
export function readClosure(fn: Function, names: readonly string[]): ClosureReading {
  try {
    const { internalProperties = [] } = properties(objectIdOf(fn));
    const locationValue = internalProperties.find((p) => p.name === '[[FunctionLocation]]')?.value?.value as
      | { scriptId: string; lineNumber: number; columnNumber: number }
      | undefined;
    const location: FunctionLocation = locationValue
      ? { scriptId: locationValue.scriptId, line: locationValue.lineNumber, column: locationValue.columnNumber }
      : { scriptId: '', line: 0, column: 0 };
    const variables = new Map<string, ScopeVariable>();
    const scopesId = internalProperties.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
    if (names.length === 0 || scopesId === undefined) return { location, variables };
    const scopes = properties(scopesId).result
      .filter((p) => /^\d+$/.test(p.name) && p.value?.objectId !== undefined)
      .map((p) => ({ kind: scopeKind(p.value!.description), objectId: p.value!.objectId! }))
      .filter((s) => s.kind !== 'Global');
    const wanted = new Set(names);
    const firstTopLevel = scopes.findIndex((s) => s.kind === 'Module' || s.kind === 'Script');
    // Without a module or script scope (CommonJS, a test runner's wrapper), the outermost function and the blocks right inside it.
    let topFrom = firstTopLevel === -1 ? scopes.length - 1 : firstTopLevel;
    while (firstTopLevel === -1 && topFrom > 0 && scopes[topFrom - 1]!.kind === 'Block') topFrom--;
    for (const [index, scope] of scopes.entries()) {
      if (wanted.size === 0) break;
      for (const variable of properties(scope.objectId).result) {
        if (!wanted.has(variable.name) || variable.value === undefined) continue;
        wanted.delete(variable.name);
        variables.set(variable.name, { value: valueOf(variable.value), scope: scope.kind, topLevel: index >= topFrom });
      }
    }
    return { location, variables };
  } finally {
    if (session !== undefined) post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
  }
}

/** Turns the debugger on just long enough to learn the url of every script loaded so far (V8 reports them all at once). */
function learnScripts(): void {
  post('Debugger.enable', {});
  post('Debugger.disable', {});
}

/**
 * Scripts that have no file (code run with `vm` or `eval`, such as notebook cells), newest first,
 * at most `limit` of them.
 */
export function scriptsWithoutFile(limit: number): string[] {
  learnScripts();
  return [...scriptUrls].filter(([, url]) => !/^(file|node|data):/.test(url)).map(([id]) => id).sort((a, b) => Number(b) - Number(a)).slice(0, limit);
}

/** The file URL (or other url V8 knows the script by; '' for an eval'd script) of a script. */
export function scriptUrl(scriptId: string): string {
  if (scriptId === '') return '';
  if (!scriptUrls.has(scriptId)) learnScripts();
  return scriptUrls.get(scriptId) ?? '';
}

/** The source text of a script as V8 runs it (after any transform of a loader or test runner). */
export function scriptSource(scriptId: string): string {
  const known = scriptSources.get(scriptId);
  if (known !== undefined) return known;
  post('Debugger.enable', {});
  try {
    const { scriptSource: source } = post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId });
    if (scriptSources.size >= MAX_CACHED_SOURCES) scriptSources.delete(scriptSources.keys().next().value!);
    scriptSources.set(scriptId, source);
    return source;
  } finally {
    post('Debugger.disable', {});
  }
}
