/**
 * Binary values (typed arrays, Buffers, DataViews, ArrayBuffers, SharedArrayBuffers): how each kind
 * is recognised, turned into a frame without copying, and rebuilt from a frame — as a view on the
 * frame's memory whenever alignment allows, so a value in a SharedArrayBuffer stays shared.
 */

/** What the codec needs of a typed array constructor (the built-in union has no common `new` signature). */
interface TypedArrayConstructor {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): ArrayBufferView;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView;
}

const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} satisfies Record<string, TypedArrayConstructor>;

type TypedArrayKind = keyof typeof TYPED_ARRAYS;

/** Every binary kind the codec carries. The order is the wire code: append only. */
const BINARY_KINDS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Buffer',
  'DataView',
  'ArrayBuffer',
  'SharedArrayBuffer',
] as const satisfies readonly (TypedArrayKind | 'Buffer' | 'DataView' | 'ArrayBuffer' | 'SharedArrayBuffer')[];

export type BinaryKind = (typeof BINARY_KINDS)[number];

const CODE_BY_KIND = new Map<BinaryKind, number>(BINARY_KINDS.map((kind, code) => [kind, code]));

/** The wire code of a kind. */
export function binaryKindCode(kind: BinaryKind): number {
  return CODE_BY_KIND.get(kind)!;
}

/** The kind for a wire code, or undefined for an unknown code. */
export function binaryKindFromCode(code: number): BinaryKind | undefined {
  return BINARY_KINDS[code];
}

/**
 * Binary kinds by exact prototype. Exact, not `instanceof`: a subclass of Float64Array would
 * arrive as a plain Float64Array, losing its methods, so subclasses are refused like other classes.
 */
export const BINARY_KIND_BY_PROTOTYPE: ReadonlyMap<object, BinaryKind> = new Map<object, BinaryKind>([
  ...Object.entries(TYPED_ARRAYS).map(([kind, constructor]) => [constructor.prototype, kind as BinaryKind] as const),
  [Buffer.prototype, 'Buffer'],
  [DataView.prototype, 'DataView'],
  [ArrayBuffer.prototype, 'ArrayBuffer'],
  [SharedArrayBuffer.prototype, 'SharedArrayBuffer'],
]);


/** A Uint8Array over the same memory as `value` (no copy). */
export function frameOf(kind: BinaryKind, value: ArrayBufferView | ArrayBufferLike): Uint8Array {
  if (kind === 'ArrayBuffer' || kind === 'SharedArrayBuffer') return new Uint8Array(value as ArrayBufferLike);
  const view = value as ArrayBufferView;
  // A Buffer or Uint8Array already is the frame; other views get a byte view on the same memory.
  if (kind === 'Buffer' || kind === 'Uint8Array') return view as Uint8Array;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function isWholeBuffer(frame: Uint8Array): boolean {
  return frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength;
}

/**
 * Rebuilds a binary value of `kind` from `frame`. Typed arrays, Buffers and DataViews are views on
 * the frame's memory when its byte offset is a multiple of the element size; otherwise the bytes
 * are copied into a new, aligned buffer.
 *
 * @throws RangeError when the frame's length is not a whole number of elements.
 */
export function decodeBinaryFrame(kind: BinaryKind, frame: Uint8Array): unknown {
  switch (kind) {
    case 'Buffer':
      return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    case 'DataView':
      return new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    case 'ArrayBuffer':
      // The frame's own ArrayBuffer when it is exactly this value; a copy otherwise (also when the
      // frame lives in a SharedArrayBuffer, because the sender had a plain ArrayBuffer).
      return frame.buffer instanceof ArrayBuffer && isWholeBuffer(frame)
        ? frame.buffer
        : Uint8Array.prototype.slice.call(frame).buffer;
    case 'SharedArrayBuffer': {
      if (frame.buffer instanceof SharedArrayBuffer && isWholeBuffer(frame)) return frame.buffer;
      const shared = new SharedArrayBuffer(frame.byteLength);
      new Uint8Array(shared).set(frame);
      return shared;
    }
    default: {
      const constructor: TypedArrayConstructor = TYPED_ARRAYS[kind];
      const elementSize = constructor.BYTES_PER_ELEMENT;
      if (frame.byteLength % elementSize !== 0) {
        throw new RangeError(`${frame.byteLength} bytes is not a whole number of ${elementSize}-byte elements`);
      }
      const length = frame.byteLength / elementSize;
      if (frame.byteOffset % elementSize === 0) return new constructor(frame.buffer, frame.byteOffset, length);
      const aligned = new constructor(length);
      new Uint8Array(aligned.buffer).set(frame);
      return aligned;
    }
  }
}
