/**
 * A small schema language for checking decoded messages in full, typed against the protocol unions.
 *
 * A `Field<T>` checks that an unknown value is a `T`, down to nested fields, and says where it is not.
 * `Field` is invariant in `T`, so `ShapeOf<SomeInterface>` only accepts a schema whose every field has
 * exactly the interface's type: a field added to a message type without a matching check does not
 * compile. Plain objects only (no class instances, no prototype keys such as `__proto__`), finite
 * numbers only.
 */
import { OutOfBand } from './out-of-band.js';

/**
 * Returns undefined when `value` is good, otherwise what is wrong with it: the path inside the value
 * (`.tasks[3].args`, empty at a leaf) then the problem (` should be a string, got number`). Paths are
 * built only on failure, so a good message costs no string work.
 */
type Check = (value: unknown) => string | undefined;

/** A check for values of type `T`. */
export interface Field<T> {
  readonly check: Check;
  /** Type-level only: makes `Field<T>` invariant in `T`. */
  readonly _type?: (value: T) => T;
}

/** A schema for every field of `T`; optional fields take `opt(…)`. */
export type ShapeOf<T> = { [K in keyof T]-?: Field<T[K]> };

const field = <T>(check: Check): Field<T> => ({ check });

/** Keys that would reach an object's prototype or constructor if used as a property name. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'binary';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function badKey(record: Record<string, unknown>): string | undefined {
  for (const key in record) if (PROTOTYPE_KEYS.has(key)) return key;
  return undefined;
}

export const str: Field<string> = field((v) => (typeof v === 'string' ? undefined : ` should be a string, got ${describe(v)}`));
export const num: Field<number> = field((v) =>
  typeof v === 'number' && Number.isFinite(v) ? undefined : ` should be a finite number, got ${describe(v)}`);
export const bool: Field<boolean> = field((v) => (typeof v === 'boolean' ? undefined : ` should be a boolean, got ${describe(v)}`));
export const bytes: Field<Uint8Array> = field((v) => (v instanceof Uint8Array ? undefined : ` should be binary, got ${describe(v)}`));
export const oob: Field<OutOfBand> = field((v) => (v instanceof OutOfBand ? undefined : ` should be a binary frame, got ${describe(v)}`));
/** Any value at all (opaque payloads that their receiver checks itself). */
export const anything: Field<unknown> = field(() => undefined);

/** One of the given string literals. */
export function oneOf<const L extends readonly string[]>(...values: L): Field<L[number]> {
  const allowed = new Set<string>(values);
  return field((v) => (typeof v === 'string' && allowed.has(v) ? undefined : ` should be one of ${values.join(', ')}`));
}

/** An optional field: absent (undefined) or a valid `T`. */
export function opt<T>(inner: Field<T>): Field<T | undefined> {
  return field((v) => (v === undefined ? undefined : inner.check(v)));
}

/** An array whose every item is a valid `T`. */
export function arr<T>(item: Field<T>): Field<T[]> {
  const check = item.check;
  return field((v) => {
    if (!Array.isArray(v)) return ` should be an array, got ${describe(v)}`;
    for (let i = 0; i < v.length; i++) {
      const problem = check(v[i]);
      if (problem) return `[${i}]${problem}`;
    }
    return undefined;
  });
}

/** A plain object used as a dictionary: any keys but prototype ones, every value a valid `T`. */
export function rec<T>(value: Field<T>): Field<Record<string, T>> {
  const check = value.check;
  return field((v) => {
    if (!isPlainObject(v)) return ` should be an object, got ${describe(v)}`;
    for (const k in v) {
      if (PROTOTYPE_KEYS.has(k)) return ` has the forbidden key ${JSON.stringify(k)}`;
      const problem = check(v[k]);
      if (problem) return `[${JSON.stringify(k.slice(0, 40))}]${problem}`;
    }
    return undefined;
  });
}

/** A plain object with exactly the fields of `shape` checked (unknown extra fields are allowed but not prototype keys). */
export function obj<T>(shape: ShapeOf<T>): Field<T> {
  const entries = Object.entries(shape) as Array<[string, Field<unknown>]>;
  return field((v) => {
    if (!isPlainObject(v)) return ` should be an object, got ${describe(v)}`;
    const key = badKey(v);
    if (key !== undefined) return ` has the forbidden key ${JSON.stringify(key)}`;
    return checkFields(v, entries);
  });
}

/** Checks the listed fields of a plain object; the first problem found, or undefined. */
export function checkFields(value: Record<string, unknown>, entries: ReadonlyArray<readonly [string, Field<unknown>]>): string | undefined {
  for (let i = 0; i < entries.length; i++) {
    const [name, f] = entries[i]!;
    const problem = f.check(value[name]);
    if (problem) return `.${name}${problem}`;
  }
  return undefined;
}

export { isPlainObject, badKey as prototypeKeyOf };
