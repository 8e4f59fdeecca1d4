/**
 * Recognises functions that belong to Node.js itself. Many of them (`setTimeout`, `Buffer.from`,
 * `console.log`) are written in JavaScript, so their text parses, yet it reads Node's internals.
 * Knowing this lets the error say "wrap the built-in" instead of listing internal names.
 */


function addFunctions(owner: object, into: WeakSet<Function>): void {
  for (const key of Reflect.ownKeys(owner)) {
    // Data properties only: reading an accessor could run code or warn (e.g. deprecated globals).
    const value: unknown = Object.getOwnPropertyDescriptor(owner, key)?.value;
    if (typeof value === 'function') into.add(value);
  }
}

/** The globals' functions and the functions one level below them (static methods, `process.*`, `console.*`). */
function collectBuiltins(): WeakSet<Function> {
  const found = new WeakSet<Function>();
  for (const key of Reflect.ownKeys(globalThis)) {
    const value: unknown = Object.getOwnPropertyDescriptor(globalThis, key)?.value;
    if (typeof value === 'function') found.add(value);
    if ((typeof value === 'function' || typeof value === 'object') && value !== null && value !== globalThis) {
      addFunctions(value, found);
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
