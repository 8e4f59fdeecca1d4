/** Walks arrays and plain objects (the shapes `gather` keeps), finding or replacing futures inside. */
import { Future } from './future.js';

/** True for `{…}` objects (prototype Object or null): the only objects whose shape gather keeps. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Every Future inside `value` (arrays, plain objects, Maps' values), in order. */
export function collectFutures(value: unknown, out: Future<unknown>[] = []): Future<unknown>[] {
  if (value instanceof Future) out.push(value);
  else if (Array.isArray(value)) for (const item of value) collectFutures(item, out);
  else if (value instanceof Map) for (const item of value.values()) collectFutures(item, out);
  else if (isPlainObject(value)) for (const item of Object.values(value)) collectFutures(item, out);
  return out;
}

export const SKIP = Symbol('skip');

/** A copy of `value` with each Future replaced by `replace(future)`; `SKIP` drops the entry from arrays and objects. */
export function replaceFutures(value: unknown, replace: (future: Future<unknown>) => unknown): unknown {
  if (value instanceof Future) return replace(value);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const replaced = replaceFutures(item, replace);
      if (replaced !== SKIP) out.push(replaced);
    }
    return out;
  }
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, item] of value) {
      const replaced = replaceFutures(item, replace);
      if (replaced !== SKIP) out.set(k, replaced);
    }
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(value)) {
      const replaced = replaceFutures(item, replace);
      if (replaced !== SKIP) out[k] = replaced;
    }
    return out;
  }
  return value;
}
