/**
 * The one validation walk over a value before it is packed.
 *
 * It refuses what cannot travel (naming the path inside the value), and swaps in markers for what
 * must travel differently (large binary data → out-of-band frames, external references → keys,
 * Errors, Maps, -0). It copies a container only when something inside it was swapped, so the
 * common case — numbers, strings, plain objects and arrays — allocates nothing.
 */
import { BINARY_KIND_BY_PROTOTYPE, frameOf, type BinaryKind } from './binary-kinds.js';
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

/**
 * Values nested deeper than this are refused with a SerializationError before anything is packed. The
 * walk, msgpackr's encoder and its decoder all recurse once per level; past a few thousand levels the
 * stack runs out, and V8 can die outright (not throw) if it has to compile a regular expression with
 * the stack nearly exhausted. 1,000 levels is far above any real data and far below the stack of a
 * task thread.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Paths longer than this many segments are shown with their middle elided. */
const MAX_SHOWN_SEGMENTS = 64;

/** Ancestor lists longer than this switch from a linear scan to a Set for cycle checks. */
const LINEAR_CYCLE_SCAN_DEPTH = 32;

/** A value the walk refused, with the path collected while the error travels back up. */
export class Refusal extends Error {
  /** Path segments from the refused value up to the root (reversed). */
  readonly reversedPath: string[] = [];
  constructor(
    /** Why, as a sentence fragment that follows the path: "is a function; …". */
    readonly reason: string,
    /** For cycles: how many segments of the path lead to the object that is referred back to. */
    public cycleTargetDepth?: number,
  ) {
    super(reason);
  }

  /**
   * For a value that is a list of arguments: removes the leading `[i]` segment and returns `i`, so
   * the message can say "argument i+1" and start its path at that argument. Undefined (and nothing
   * removed) when the refusal is not inside one argument.
   */
  detachArgumentIndex(): number | undefined {
    const root = this.reversedPath[this.reversedPath.length - 1];
    const match = root === undefined ? null : /^\[(\d+)\]$/.exec(root);
    if (match === null || this.cycleTargetDepth === 0) return undefined;
    this.reversedPath.pop();
    if (this.cycleTargetDepth !== undefined) this.cycleTargetDepth--;
    return Number(match[1]);
  }

  /** The path from the root, e.g. `value.options.callback` (a very long one with its middle elided). */
  path(): string {
    return `value${shownPath(this.reversedPath.slice().reverse())}`;
  }

  /** The whole description: path, then reason (and the cycle's other end). */
  describe(): string {
    if (this.cycleTargetDepth === undefined) return `${this.path()} ${this.reason}`;
    const segments = this.reversedPath.slice().reverse();
    const target = `value${shownPath(segments.slice(0, this.cycleTargetDepth))}`;
    return `${this.path()} refers back to ${target}, so the value is cyclic. ${this.reason}`;
  }
}

function shownPath(segments: string[]): string {
  if (segments.length <= MAX_SHOWN_SEGMENTS) return segments.join('');
  const head = segments.slice(0, MAX_SHOWN_SEGMENTS / 2).join('');
  const tail = segments.slice(-MAX_SHOWN_SEGMENTS / 2).join('');
  return `${head}…(${segments.length - MAX_SHOWN_SEGMENTS} more levels)…${tail}`;
}

/** What the walk produced: the value to pack, and what it moved out of it. */
export interface WalkResult {
  value: unknown;
  frames: Uint8Array[];
  refs: string[];
  /** True when some plain object has more keys than a fixed-size msgpack map header allows. */
  needsVariableMapSize: boolean;
}

class WalkState {
  readonly frames: Uint8Array[] = [];
  readonly refs: string[] = [];
  needsVariableMapSize = false;
  private frameIndexByValue: Map<object, number> | undefined;
  private refSet: Set<string> | undefined;
  private readonly ancestors: object[] = [];
  private ancestorSet: Set<object> | undefined;

  constructor(
    readonly externalRef: ((value: object) => string | undefined) | undefined,
    readonly frameThresholdBytes: number,
  ) {}

  /** Marks `container` as being walked; refuses it if it is already an ancestor (a cycle). */
  enter(container: object): void {
    const ancestors = this.ancestors;
    if (ancestors.length >= MAX_NESTING_DEPTH) throw tooDeep();
    if (ancestors.length < LINEAR_CYCLE_SCAN_DEPTH) {
      const at = ancestors.indexOf(container);
      if (at !== -1) throw cycle(at);
    } else {
      if (this.ancestorSet === undefined) this.ancestorSet = new Set(ancestors);
      if (this.ancestorSet.has(container)) throw cycle(ancestors.indexOf(container));
      this.ancestorSet.add(container);
    }
    ancestors.push(container);
  }

  leave(): void {
    const left = this.ancestors.pop()!;
    this.ancestorSet?.delete(left);
  }

  addRef(key: string): void {
    const refSet = (this.refSet ??= new Set());
    if (!refSet.has(key)) {
      refSet.add(key);
      this.refs.push(key);
    }
  }

  /** The frame index for a binary value; the same object twice shares one frame. */
  addFrame(kind: BinaryKind, value: ArrayBufferView | ArrayBufferLike): number {
    const indexByValue = (this.frameIndexByValue ??= new Map());
    let index = indexByValue.get(value);
    if (index === undefined) {
      index = this.frames.push(frameOf(kind, value)) - 1;
      indexByValue.set(value, index);
    }
    return index;
  }
}

function cycle(targetDepth: number): Refusal {
  return new Refusal(
    'msgpack cannot represent cycles; break the cycle (for example send ids instead of back-references) or send the parts separately.',
    targetDepth,
  );
}

function tooDeep(): Refusal {
  return new Refusal(
    `is nested more than ${MAX_NESTING_DEPTH} levels deep, deeper than flotilla sends. Flatten the structure (for example a list of rows, or a tree as an array of nodes with parent indices).`,
  );
}

/**
 * Adds one path segment to a refusal passing through a container; other errors pass untouched. The
 * segment is made only for a refusal: this runs on the way out of every level of a failed walk, where
 * the stack may be nearly exhausted, and making a segment can run a regular expression.
 */
function annotate<K>(error: unknown, segment: (key: K) => string, key: K): void {
  if (error instanceof Refusal) error.reversedPath.push(segment(key));
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
