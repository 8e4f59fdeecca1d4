/**
 * The one validation walk over a value before it is packed.
 *
 * It refuses what cannot travel (naming the path inside the value), and swaps in markers for what
 * must travel differently (large binary data → out-of-band frames, external references → keys,
 * Errors, Maps, -0). It copies a container only when something inside it was swapped, so the
 * common case — numbers, strings, plain objects and arrays — allocates nothing.
 */
import { BINARY_KIND_BY_PROTOTYPE, type BinaryKind } from './binary-kinds.js';
import { describeValue, excerpt, propertySegment } from './describe.js';
import { refusalReasonForObject } from './value-refusals.js';
import {
  BufferMarker,
  ErrorMarker,
  FrameMarker,
  MapMarker,
  NEGATIVE_ZERO,
  RefMarker,
} from './value-markers.js';
import { annotate, Refusal } from './walk-refusal.js';
import { WalkState } from './walk-state.js';

export { Refusal } from './walk-refusal.js';
export { MAX_NESTING_DEPTH } from './walk-state.js';

/**
 * Binary values of at least this many bytes travel as separate frames instead of inside the msgpack
 * body. Measured in the codec alone (encode + decode of one Float64Array, 2-core machine), a frame
 * is cheaper at every size (≈1–2 µs against ≈3 µs inline at 64 B–1 KiB, ≈7 µs inline at 8 KiB),
 * because msgpackr decodes inline typed arrays into a new ArrayBuffer (≈1 µs each). Every frame
 * also costs the transport a message part, so small values stay inline; 1 KiB is where inline
 * copying starts to dominate. Override per call with `EncodeOptions.frameThresholdBytes`.
 */
export const FRAME_THRESHOLD_BYTES = 1024;

/** msgpackr's fixed 16-bit map header holds at most this many keys; larger objects need variable map sizes. */
const MAX_FIXED_MAP_KEYS = 0xffff;

/** What the walk produced: the value to pack, and what it moved out of it. */
export interface WalkResult {
  value: unknown;
  frames: Uint8Array[];
  refs: string[];
  /** True when some plain object has more keys than a fixed-size msgpack map header allows. */
  needsVariableMapSize: boolean;
}


const indexSegment = (i: number): string => `[${i}]`;
const mapKeyIndexSegment = (i: number): string => `[map key #${i}]`;
const setElementSegment = (i: number): string => `[set element #${i}]`;

/**
 * Validates `value` and prepares it for msgpackr.
 *
 * @throws Refusal for a value that cannot be sent; the caller turns it into a SerializationError.
 */
export function walkValue(
  value: unknown,
  externalRef: ((value: object) => string | undefined) | undefined,
  frameThresholdBytes: number = FRAME_THRESHOLD_BYTES,
): WalkResult {
  const state = new WalkState(externalRef, frameThresholdBytes);
  const prepared = prepare(value, state);
  return { value: prepared, frames: state.frames, refs: state.refs, needsVariableMapSize: state.needsVariableMapSize };
}

function prepare(value: unknown, state: WalkState): unknown {
  switch (typeof value) {
    case 'number':
      return value === 0 && 1 / value < 0 ? NEGATIVE_ZERO : value;
    case 'string':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return value;
    case 'object':
      return value === null ? null : prepareObject(value, state);
    case 'function':
      throw new Refusal(
        `is ${describeValue(value)}; functions cannot travel inside values. Call it from the task function instead, where it travels with the task (client.submit((x) => helper(x), x)), or make it the task function.`,
      );
    case 'symbol':
      throw new Refusal(
        `is ${describeValue(value)}; a symbol exists only in the process that made it. Send a string instead.`,
      );
  }
}

/** Something the walk swapped in: a marker or a copied container. Primitives are never swaps. */
function isSwap(original: unknown, prepared: unknown): boolean {
  return prepared !== original && typeof prepared === 'object';
}

function prepareObject(value: object, state: WalkState): unknown {
  if (state.externalRef !== undefined) {
    const key = state.externalRef(value);
    if (key !== undefined) {
      state.addRef(key);
      return new RefMarker(key);
    }
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) return prepareArray(value as unknown[], state);
  if (prototype === Object.prototype || prototype === null) return preparePlainObject(value as Record<string, unknown>, state);
  if (prototype === Map.prototype) return prepareMap(value as Map<unknown, unknown>, state);
  if (prototype === Set.prototype) return prepareSet(value as Set<unknown>, state);
  if (prototype === Date.prototype || prototype === RegExp.prototype) return value;
  const binaryKind = BINARY_KIND_BY_PROTOTYPE.get(prototype as object);
  if (binaryKind !== undefined) return prepareBinary(value as ArrayBufferView | ArrayBufferLike, binaryKind, state);
  if (value instanceof Error) return prepareError(value, state);
  throw new Refusal(refusalReasonForObject(value));
}

function prepareArray(array: unknown[], state: WalkState): unknown[] {
  state.enter(array);
  let copy: unknown[] | undefined;
  const length = array.length;
  let i = 0;
  try {
    for (; i < length; i++) {
      const item = array[i];
      const prepared = prepare(item, state);
      if (copy !== undefined) copy[i] = prepared;
      else if (isSwap(item, prepared)) {
        copy = array.slice(0, i);
        copy[i] = prepared;
      }
    }
  } catch (error) {
    annotate(error, indexSegment, i);
    throw error;
  }
  state.leave();
  return copy ?? array;
}

function preparePlainObject(object: Record<string, unknown>, state: WalkState): Record<string, unknown> {
  state.enter(object);
  // A null-prototype copy, so a key named "__proto__" stays an ordinary key.
  let copy: Record<string, unknown> | undefined;
  let keyCount = 0;
  let currentKey = '';
  try {
    // for…in sees only own keys here: the prototype is Object.prototype (nothing enumerable) or null.
    for (const key in object) {
      currentKey = key;
      keyCount++;
      const item = object[key];
      const prepared = prepare(item, state);
      if (copy !== undefined) copy[key] = prepared;
      else if (isSwap(item, prepared)) {
        copy = Object.assign(Object.create(null) as Record<string, unknown>, object);
        copy[key] = prepared;
      }
    }
  } catch (error) {
    annotate(error, propertySegment, currentKey);
    throw error;
  }
  if (keyCount > MAX_FIXED_MAP_KEYS) state.needsVariableMapSize = true;
  state.leave();
  return copy ?? object;
}

function mapKeySegment(key: unknown): string {
  if (typeof key === 'string') return `.get(${JSON.stringify(excerpt(key))})`;
  if (typeof key === 'number' || typeof key === 'boolean' || key === null || key === undefined) {
    return `.get(${String(key)})`;
  }
  if (typeof key === 'bigint') return `.get(${key}n)`;
  return `.get(<${describeValue(key)}>)`;
}

function prepareMap(map: Map<unknown, unknown>, state: WalkState): MapMarker {
  state.enter(map);
  const flat: unknown[] = new Array(map.size * 2);
  let i = 0;
  let inKey = true;
  let currentKey: unknown;
  try {
    for (const [key, item] of map) {
      inKey = true;
      currentKey = key;
      flat[i++] = prepare(key, state);
      inKey = false;
      flat[i++] = prepare(item, state);
    }
  } catch (error) {
    if (inKey) annotate(error, mapKeyIndexSegment, (i - 1) / 2);
    else annotate(error, mapKeySegment, currentKey);
    throw error;
  }
  state.leave();
  return new MapMarker(flat);
}

function prepareSet(set: Set<unknown>, state: WalkState): Set<unknown> {
  state.enter(set);
  let swapped = false;
  const prepared: unknown[] = [];
  let i = 0;
  try {
    for (const item of set) {
      const preparedItem = prepare(item, state);
      if (isSwap(item, preparedItem)) swapped = true;
      prepared.push(preparedItem);
      i++;
    }
  } catch (error) {
    annotate(error, setElementSegment, i);
    throw error;
  }
  state.leave();
  return swapped ? new Set(prepared) : set;
}

function prepareBinary(value: ArrayBufferView | ArrayBufferLike, kind: BinaryKind, state: WalkState): unknown {
  // A SharedArrayBuffer always goes to a frame: msgpackr has no inline form for it, and as a frame
  // it can stay shared between threads of one process.
  if (value.byteLength >= state.frameThresholdBytes || kind === 'SharedArrayBuffer') {
    return new FrameMarker(kind, state.addFrame(kind, value));
  }
  if (kind === 'Buffer') return new BufferMarker(value as Buffer);
  // Small typed arrays, DataViews and ArrayBuffers: msgpackr's own typed-array extension copies
  // them into the body and decodes them into fresh, aligned memory.
  return value;
}

/**
 * An Error keeps name, message, stack, cause and its own enumerable fields (such as `code`).
 * Errors are diagnostics, so a field or cause that cannot travel is dropped rather than making the
 * whole value (often a task's failure report) unsendable.
 */
function prepareError(error: Error, state: WalkState): ErrorMarker {
  state.enter(error);
  const hasCause = 'cause' in error;
  const cause = hasCause ? prepareLeniently(error.cause, state) : undefined;
  let fields: Record<string, unknown> | undefined;
  for (const key of Object.keys(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    const prepared = prepareLeniently((error as unknown as Record<string, unknown>)[key], state);
    if (prepared !== DROPPED) (fields ??= {})[key] = prepared;
  }
  const errors =
    error instanceof AggregateError && Array.isArray(error.errors)
      ? error.errors.map((inner: unknown) => {
          const prepared = prepareLeniently(inner, state);
          return prepared === DROPPED ? String(inner) : prepared;
        })
      : undefined;
  state.leave();
  return new ErrorMarker(
    String(error.name),
    String(error.message),
    typeof error.stack === 'string' ? error.stack : undefined,
    cause === DROPPED ? undefined : cause,
    hasCause && cause !== DROPPED,
    fields,
    errors,
  );
}

const DROPPED = Symbol('dropped');

function prepareLeniently(value: unknown, state: WalkState): unknown {
  try {
    return prepare(value, state);
  } catch (error) {
    if (error instanceof Refusal) return DROPPED;
    throw error;
  }
}
