/**
 * The value codec: task arguments and results to msgpack bytes plus out-of-band binary frames, and
 * back.
 *
 * Layout of an encoded value: `body` is one msgpack document (msgpackr, no records, `moreTypes`).
 * Binary values of at least {@link FRAME_THRESHOLD_BYTES} bytes are not in the body: each sits in
 * `frames[i]` and the body holds a flotilla extension (type {@link FLOTILLA_EXTENSION_TYPE}) naming
 * its kind and `i`. References to external values (futures) are the same extension holding the key,
 * listed in `refs` in order of first appearance.
 */
import { Packr, Unpackr } from 'msgpackr';
import { FlotillaError, SerializationError } from '../errors/index.js';
import { FRAME_THRESHOLD_BYTES, Refusal, walkValue } from './value-walk.js';
import { FLOTILLA_EXTENSION_TYPE, UnresolvedRef, enterDecodeContext, restoreDecodeContext } from './value-markers.js';

export { FRAME_THRESHOLD_BYTES, FLOTILLA_EXTENSION_TYPE, UnresolvedRef };

/** A value ready to send: a msgpack body and the binary frames it refers to. */
export interface EncodedValue {
  /**
   * msgpack body (msgpackr), in a buffer of its own of exactly its size (`encodeValue` copies it out of
   * msgpackr's reused buffer), so it may be held, sent or posted to a task thread on its own. Embed
   * it in a protocol message as binary, not re-packed as a value.
   */
  body: Uint8Array;
  /**
   * Out-of-band binary frames referenced by index from the body (large typed arrays, Buffers,
   * ArrayBuffers). Each is a view on the caller's own memory: never transfer its buffer.
   */
  frames: Uint8Array[];
  /** Keys of external references (futures) found in the value, in order of first appearance. */
  refs: string[];
}

/** Options of {@link encodeValue}. */
export interface EncodeOptions {
  /**
   * Returns a key when `value` is an external reference (the client passes
   * `v => v instanceof Future ? v.key : undefined`). Called once for every object in the value,
   * before any other check, so a reference may be of any class.
   */
  externalRef?: (value: object) => string | undefined;
  /** Used in error messages: 'argument 2 of submit', 'result of task x'. @defaultValue `'value'` */
  label?: string;
  /**
   * Set when the value is the argument list of a call, to the call's name (e.g. `'submit'`): a
   * refusal inside argument i is then reported as "argument i+1 of submit cannot be sent:
   * value.options.callback is …", with the path starting at that argument. Refusals elsewhere
   * use {@link EncodeOptions.label}.
   */
  argumentsOf?: string;
  /**
   * Binary values of at least this many bytes go to `frames`; 0 sends every binary value as a
   * frame. @defaultValue {@link FRAME_THRESHOLD_BYTES}
   */
  frameThresholdBytes?: number;
}

/** Options of {@link decodeValue}. */
export interface DecodeOptions {
  /**
   * Returns the value that stands where a reference to `key` was encoded. Without it, each
   * reference decodes as an {@link UnresolvedRef} holding the key.
   */
  resolveRef?: (key: string) => unknown;
}

const packr = new Packr({ useRecords: false, moreTypes: true });
// Slower (5–10 %), but the only way msgpackr writes objects with more than 65,535 keys.
const variableMapPackr = new Packr({ useRecords: false, moreTypes: true, variableMapSize: true });
const unpackr = new Unpackr({
  useRecords: false,
  moreTypes: true,
  mapsAsObjects: true,
  // Binary inside the body is copied, so a decoded value never pins or aliases the received message.
  copyBuffers: true,
  int64AsType: 'bigint',
});

/**
 * Encodes a value for sending to another process.
 *
 * Supported: primitives (including undefined, bigint, NaN, ±Infinity, -0), plain objects (also with
 * a null prototype), arrays, Date, RegExp, Map, Set, Errors (name, message, stack, cause and own
 * enumerable fields), every typed array, DataView, Buffer, ArrayBuffer, SharedArrayBuffer. Binary
 * values of at least {@link FRAME_THRESHOLD_BYTES} bytes become frames that are views on the
 * original memory (no copy): do not modify them until the send is done.
 *
 * Decoded plain objects always have Object.prototype. A key named `__proto__` arrives as
 * `__proto_`: msgpackr renames it so that received data can never set a prototype. Symbol-keyed and
 * non-enumerable properties are not sent (as with JSON).
 *
 * @throws SerializationError for a function, symbol, Promise, WeakMap/WeakSet/WeakRef, boxed
 *   primitive, class instance or cyclic structure inside the value, naming where it is
 *   (`argument 1 of submit: value.options.callback is a function; …`) and what to do instead.
 */
export function encodeValue(value: unknown, options?: EncodeOptions): EncodedValue {
  // The arguments of most calls: primitives the walk would hand back unchanged, so it is skipped (its
  // state, ancestor list and result cost a few hundred bytes per task of a map).
  if (isPlainPrimitiveArray(value)) return { body: packBody(value, false, options?.label ?? 'value'), frames: [], refs: [] };
  const label = options?.label ?? 'value';
  let walked;
  try {
    walked = walkValue(value, options?.externalRef, options?.frameThresholdBytes);
  } catch (error) {
    if (error instanceof Refusal) {
      const argumentIndex = options?.argumentsOf === undefined ? undefined : error.detachArgumentIndex();
      const subject = argumentIndex === undefined ? label : `argument ${argumentIndex + 1} of ${options!.argumentsOf}`;
      throw new SerializationError(`${subject} cannot be sent: ${error.describe()}`);
    }
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new SerializationError(
        `${label} cannot be sent: it is nested too deeply to encode (${error.message}). Flatten the structure, for example into an array of rows.`,
        { cause: error },
      );
    }
    throw error;
  }
  return { body: packBody(walked.value, walked.needsVariableMapSize, label), frames: walked.frames, refs: walked.refs };
}

/** `value` packed into a buffer of its own. @throws SerializationError naming `label` when msgpackr fails. */
function packBody(value: unknown, variableMapSize: boolean, label: string): Uint8Array {
  try {
    // msgpackr returns a view into a buffer it reuses for the next pack: copy, since the body is
    // held until it is sent (often after many more values were encoded).
    // An exact-size copy (not a pooled Buffer): a view on a shared slab would drag the whole slab
    // through every postMessage to a task thread.
    const packed = (variableMapSize ? variableMapPackr : packr).pack(value);
    const body = new Uint8Array(packed.length);
    body.set(packed);
    return body;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new SerializationError(`${label} cannot be sent: msgpack encoding failed: ${message}`, { cause: error });
  }
}

/**
 * True for an ordinary array of strings, booleans, undefined, bigints, null and numbers other than -0:
 * what the walk (value-walk.ts) returns unchanged, with no frames and no references.
 */
function isPlainPrimitiveArray(value: unknown): value is unknown[] {
  if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    switch (typeof item) {
      case 'string':
      case 'boolean':
      case 'undefined':
      case 'bigint':
        continue;
      case 'number':
        if (item === 0 && 1 / item < 0) return false;
        continue;
      case 'object':
        if (item === null) continue;
        return false;
      default:
        return false;
    }
  }
  return true;
}

/**
 * Decodes what {@link encodeValue} produced. Large typed arrays come back as views on their frames
 * (the same memory, also when it is a SharedArrayBuffer) when the frame is aligned for the element
 * size, and as aligned copies otherwise.
 *
 * @throws SerializationError when the body or frames are corrupt or do not match.
 */
export function decodeValue(encoded: { body: Uint8Array; frames: Uint8Array[] }, options?: DecodeOptions): unknown {
  const previous = enterDecodeContext({ frames: encoded.frames, resolveRef: options?.resolveRef });
  try {
    return unpackr.unpack(encoded.body);
  } catch (error) {
    // Our own corrupt-value errors, and errors a resolveRef callback raised on purpose, pass unchanged.
    if (error instanceof FlotillaError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new SerializationError(
      `A received value could not be decoded (${encoded.body.byteLength} bytes, ${encoded.frames.length} frames): ${message}. Check that every process runs the same flotilla version.`,
      { cause: error },
    );
  } finally {
    restoreDecodeContext(previous);
  }
}

/** Total bytes of body + frames. */
export function encodedSize(encoded: { body: Uint8Array; frames: Uint8Array[] }): number {
  let size = encoded.body.byteLength;
  for (const frame of encoded.frames) size += frame.byteLength;
  return size;
}
