/**
 * Recognises functions that belong to Node.js itself. Many of them (`setTimeout`, `Buffer.from`,
 * `console.log`) are written in JavaScript, so their text parses, yet it reads Node's internals.
 * Knowing this lets the error say "wrap the built-in" instead of listing internal names, and lets a
 * captured built-in (`const max = Math.max`) be read from the worker's own globals.
 */

function addFunctions(owner: object, ownerPath: string, into: Map<Function, string>): void {
  for (const key of Reflect.ownKeys(owner)) {
    // Data properties only: reading an accessor could run code or warn (e.g. deprecated globals).
    const value: unknown = Object.getOwnPropertyDescriptor(owner, key)?.value;
    if (typeof value === 'function' && typeof key === 'string' && !into.has(value)) into.set(value, `${ownerPath}.${key}`);
  }
}

/** The globals' functions and the functions one level below them (static methods, `process.*`, `console.*`), with their paths. */
function collectBuiltins(): Map<Function, string> {
  const found = new Map<Function, string>();
  for (const key of Reflect.ownKeys(globalThis)) {
    const value: unknown = Object.getOwnPropertyDescriptor(globalThis, key)?.value;
    if (typeof key !== 'string') continue;
    if (typeof value === 'function' && !found.has(value)) found.set(value, key);
  }
  for (const key of Reflect.ownKeys(globalThis)) {
    const value: unknown = Object.getOwnPropertyDescriptor(globalThis, key)?.value;
    if (typeof key !== 'string') continue;
    if ((typeof value === 'function' || typeof value === 'object') && value !== null && value !== globalThis) {
      addFunctions(value, key, found);
    }
  }
  return found;
}

/**
 * Collected when this module loads, before user code has usually added globals of its own, so a
 * user's function stored on globalThis later is not mistaken for a built-in.
 */
const BUILTINS = collectBuiltins();

/** True when `fn` is a global function of Node.js or a function property of a global object. */
export function isNodeBuiltin(fn: Function): boolean {
  return BUILTINS.has(fn);
}

/** Where a built-in function sits among the globals (`'Math.max'`, `'setTimeout'`), or undefined. */
export function builtinPath(fn: Function): string | undefined {
  return BUILTINS.get(fn);
}
