/**
 * Markers: the objects the encoder puts in place of values that msgpackr cannot carry the way we
 * need (binary data moved out of band, references to futures, Errors with their stack, Maps with
 * non-string keys, -0), and the one msgpackr extension that writes and reads them.
 *
 * Why one extension type for all of them: msgpackr's extension registry is global to the process
 * (the protocol layer shares it), so we claim a single type code, {@link FLOTILLA_EXTENSION_TYPE},
 * and tell the markers apart by a tag inside it. Only instances of {@link CodecMarker} are written
 * with it, so registering it changes nothing for anyone else who packs ordinary values.
 */
import { addExtension } from 'msgpackr';
import { SerializationError } from '../errors/index.js';
import { decodeBinaryFrame, binaryKindFromCode, type BinaryKind, binaryKindCode } from './binary-kinds.js';

/**
 * The msgpack extension type code used for flotilla's markers inside encoded values (0x56, 'V' for
 * value). msgpackr keeps one registry per process: no other code may register this code. The
 * protocol layer uses 0x46 for its frame references.
 */
export const FLOTILLA_EXTENSION_TYPE = 0x56;

const Tag = {
  frame: 1,
  ref: 2,
  error: 3,
  map: 4,
  negativeZero: 5,
  buffer: 6,
} as const;

/** Base of every marker; msgpackr matches extension classes with `instanceof`. */
export abstract class CodecMarker {
  /** The array msgpackr writes for this marker: a tag, then the marker's fields. */
  abstract toWire(): unknown[];
}

/** A binary value moved to `frames[index]`. */
export class FrameMarker extends CodecMarker {
  constructor(
    readonly kind: BinaryKind,
    readonly index: number,
  ) {
    super();
  }
  toWire(): unknown[] {
    return [Tag.frame, binaryKindCode(this.kind), this.index];
  }
}

/** A reference to an external value (a future) identified by its key. */
export class RefMarker extends CodecMarker {
  constructor(readonly key: string) {
    super();
  }
  toWire(): unknown[] {
    return [Tag.ref, this.key];
  }
}

/** An Error reduced to what survives the trip: name, message, stack, cause and extra own fields. */
export class ErrorMarker extends CodecMarker {
  constructor(
    readonly name: string,
    readonly message: string,
    readonly stack: string | undefined,
    readonly cause: unknown,
    readonly hasCause: boolean,
    readonly fields: Record<string, unknown> | undefined,
    readonly errors: unknown[] | undefined,
  ) {
    super();
  }
  toWire(): unknown[] {
    return [Tag.error, this.name, this.message, this.stack, this.hasCause, this.cause, this.fields, this.errors];
  }
}

/** A Map, written as a flat `[key0, value0, key1, value1, …]` list so keys keep their types. */
export class MapMarker extends CodecMarker {
  constructor(readonly flatEntries: unknown[]) {
    super();
  }
  toWire(): unknown[] {
    return [Tag.map, this.flatEntries];
  }
}

/** A small Node.js Buffer kept inline (msgpackr alone would decode it as a Uint8Array or a view into the body). */
export class BufferMarker extends CodecMarker {
  constructor(readonly bytes: Uint8Array) {
    super();
  }
  toWire(): unknown[] {
    return [Tag.buffer, this.bytes];
  }
}

/** -0, which msgpack would otherwise write as the integer 0. */
export class NegativeZeroMarker extends CodecMarker {
  toWire(): unknown[] {
    return [Tag.negativeZero];
  }
}

/** The one -0 marker; it has no state. */
export const NEGATIVE_ZERO = new NegativeZeroMarker();

/**
 * A reference found while decoding without a `resolveRef` callback: it stands where the referenced
 * value would be, so a caller can find and replace it later.
 */
export class UnresolvedRef {
  constructor(readonly key: string) {}
}

/** What marker decoding needs from the surrounding {@link decodeValue} call. */
export interface DecodeContext {
  frames: readonly Uint8Array[];
  resolveRef: ((key: string) => unknown) | undefined;
}

/**
 * The context of the decode in progress. msgpackr decodes synchronously and calls our `read` from
 * inside `unpack`, so a module variable, saved and restored around each decode, is enough (and a
 * `resolveRef` that decodes another value nests correctly).
 */
let activeContext: DecodeContext | undefined;

/**
 * Makes `context` visible to marker decoding and returns the one it replaces, which the caller must
 * hand to {@link restoreDecodeContext} in a `finally` (no closure: decoding is on the hot path).
 */
export function enterDecodeContext(context: DecodeContext): DecodeContext | undefined {
  const previous = activeContext;
  activeContext = context;
  return previous;
}

/** Puts back the context that {@link enterDecodeContext} returned. */
export function restoreDecodeContext(previous: DecodeContext | undefined): void {
  activeContext = previous;
}

function corrupt(detail: string): SerializationError {
  return new SerializationError(
    `A received value is corrupt: ${detail}. It was not produced by a matching flotilla encoder; check that every process runs the same flotilla version.`,
  );
}

const BUILT_IN_ERRORS: Record<string, ErrorConstructor | undefined> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

function rebuildError(wire: unknown[]): Error {
  const [, name, message, stack, hasCause, cause, fields, errors] = wire;
  if (typeof name !== 'string' || typeof message !== 'string') throw corrupt('an Error without a name or message');
  const error: Error =
    name === 'AggregateError' && Array.isArray(errors)
      ? new AggregateError(errors, message)
      : new (BUILT_IN_ERRORS[name] ?? Error)(message);
  if (error.name !== name) {
    // Own property, as Error subclasses usually do; keeps the class name the sender saw.
    Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true, enumerable: false });
  }
  if (typeof stack === 'string') {
    Object.defineProperty(error, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
  } else {
    delete error.stack;
  }
  if (hasCause === true) {
    Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  }
  if (fields !== null && typeof fields === 'object') Object.assign(error, fields);
  return error;
}

function decodeMarker(wire: unknown): unknown {
  if (!Array.isArray(wire) || typeof wire[0] !== 'number') throw corrupt('a flotilla extension without a tag');
  const context = activeContext;
  switch (wire[0]) {
    case Tag.frame: {
      if (context === undefined) throw corrupt('a frame reference outside decodeValue');
      const [, kindCode, index] = wire;
      const kind = typeof kindCode === 'number' ? binaryKindFromCode(kindCode) : undefined;
      if (kind === undefined) throw corrupt(`an unknown binary kind ${String(kindCode)}`);
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= context.frames.length) {
        throw corrupt(`frame ${String(index)} is referenced but only ${context.frames.length} frames arrived`);
      }
      const frame = context.frames[index]!;
      try {
        return decodeBinaryFrame(kind, frame);
      } catch (cause) {
        throw corrupt(`frame ${index} (${frame.byteLength} bytes) cannot hold a ${kind}: ${(cause as Error).message}`);
      }
    }
    case Tag.ref: {
      const key = wire[1];
      if (typeof key !== 'string') throw corrupt('a reference without a key');
      const resolveRef = context?.resolveRef;
      return resolveRef === undefined ? new UnresolvedRef(key) : resolveRef(key);
    }
    case Tag.error:
      return rebuildError(wire);
    case Tag.map: {
      const flat = wire[1];
      if (!Array.isArray(flat) || flat.length % 2 !== 0) throw corrupt('a Map with an odd number of entries');
      const map = new Map<unknown, unknown>();
      for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
      return map;
    }
    case Tag.negativeZero:
      return -0;
    case Tag.buffer: {
      const bytes = wire[1];
      if (!(bytes instanceof Uint8Array)) throw corrupt('a Buffer without bytes');
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    default:
      throw corrupt(`an unknown flotilla extension tag ${String(wire[0])}`);
  }
}

addExtension({
  Class: CodecMarker,
  type: FLOTILLA_EXTENSION_TYPE,
  write: (marker: CodecMarker) => marker.toWire(),
  read: decodeMarker,
});
