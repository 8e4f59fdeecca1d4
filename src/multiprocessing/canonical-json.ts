/**
 * Canonical JSON: object keys sorted, no whitespace. Two JSON values that are equal as data give the
 * same text, so the text (or its hash) can decide part equivalence.
 */
import { digest } from '../util/digest.js';

/** A value that survives a JSON round trip unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Thrown inside the walk; carries the path to the bad value, built while unwinding so the hot path builds none. */
class NotJsonError extends Error {
  constructor(
    readonly received: string,
    readonly path: string[],
  ) {
    super(received);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'object' && value !== null) return `an instance of ${value.constructor?.name ?? 'a class'}`;
  return `a ${typeof value}`;
}

/** Whether JSON.stringify(value) is already canonical: plain JSON data whose object keys are in sorted order. */
function isSortedPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isSortedPlainJson(value[i])) return false;
        return true;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      const record = value as Record<string, unknown>;
      let previous: string | undefined;
      for (const key in record) {
        // for-in also lists inherited enumerable keys; a null-prototype or plain object has none.
        if (previous !== undefined && !(previous < key)) return false;
        if (!isSortedPlainJson(record[key])) return false;
        previous = key;
      }
      return true;
    }
    default:
      return false;
  }
}

function walk(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new NotJsonError(describe(value), []);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) text += ',';
          try {
            text += walk(value[i]);
          } catch (error) {
            if (error instanceof NotJsonError) error.path.unshift(`[${i}]`);
            throw error;
          }
        }
        return text + ']';
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) throw new NotJsonError(describe(value), []);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let text = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (i > 0) text += ',';
        try {
          text += JSON.stringify(key) + ':' + walk(record[key]);
        } catch (error) {
          if (error instanceof NotJsonError) error.path.unshift(`.${key}`);
          throw error;
        }
      }
      return text + '}';
    }
    default:
      throw new NotJsonError(describe(value), []);
  }
}

/**
 * The canonical JSON text of `value` (object keys sorted by UTF-16 code unit, no whitespace).
 *
 * @param where - How to name the value in an error message, e.g. `"data of part 'grid'"`.
 * @throws TypeError when `value` holds something JSON would change or drop (undefined, a function,
 * NaN or ±Infinity, a bigint, a Date, Map or class instance); the message gives the path to it.
 * @example
 * ```ts
 * canonicalJson({ units: 'm', epsg: 23031 }); // '{"epsg":23031,"units":"m"}'
 * ```
 */
export function canonicalJson(value: unknown, where = 'value'): string {
  // Most values (everything PartStore wrote) already have sorted keys: then the native
  // JSON.stringify gives the canonical text several times faster than building it piece by piece.
  if (isSortedPlainJson(value)) return JSON.stringify(value);
  try {
    return walk(value);
  } catch (error) {
    if (!(error instanceof NotJsonError)) throw error;
    const path = error.path.join('');
    throw new TypeError(
      `${where}${path === '' ? '' : ` at ${path}`} is ${error.received}, which JSON cannot store unchanged; ` +
        'use only null, booleans, finite numbers, strings, arrays and plain objects (convert dates to ISO strings, Maps to objects).',
    );
  }
}

/**
 * The consolidation key of a part: a SHA-256 of its type, its (already mapped) refs and its
 * canonical data text. Two parts with the same key are equivalent; the title does not count.
 */
export function equivalenceKey(type: string, mappedRefs: readonly string[], canonicalData: string): string {
  // JSON.stringify(type) and the refs array are self-delimiting, so the parts cannot run into each other.
  const text = `${JSON.stringify(type)}${JSON.stringify(mappedRefs)}${canonicalData}`;
  return digest('sha256', text, 'base64');
}
