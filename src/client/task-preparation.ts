/**
 * Turning what the caller gave `submit`, `map` and `scatter` into what the session sends: arguments
 * encoded with futures as references to their keys, and keys (a hash of function and arguments for
 * pure calls, so equal calls share one key). Apart from the Client so that the checks of user input and
 * the key rules are read in one place; it keeps no state.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CancelledError, ConfigurationError, FlotillaError, SerializationError } from '../errors/index.js';
import { digest, digestIsOneShot } from '../util/digest.js';
import type { ShippedFunction } from '../serialize/function-source.js';
import { encodeValue, type EncodeOptions, type EncodedValue } from '../serialize/value-codec.js';
import { Future, type FutureOwner, futureOwner } from './future.js';
import type { ScatterOptions, SubmitOptions } from './options.js';
import type { PreparedTask } from './session.js';
import { isPlainObject } from './structure.js';

/** The owner the shared fast encode checks futures against (set only while {@link encodeArguments} runs). */
let fastOwner: FutureOwner | undefined;
/** Thrown by the fast encode at a future it will not send; the named encode then says what is wrong. */
const NEEDS_NAMES = Symbol('needs names');
/** One options object for every task's fast encode: no label, closure or message made per task. */
const FAST_ENCODE: EncodeOptions = {
  externalRef: (value) => {
    if (!(value instanceof Future)) return undefined;
    if (futureOwner(value) !== fastOwner || value.released || value.status === 'cancelled') throw NEEDS_NAMES;
    return value.key;
  },
};

/**
 * A call's arguments encoded, futures of `owner` as references to their keys. Encoded first with shared
 * options; only when that refuses something are they encoded again with `what` named (computed then),
 * so that the error says which call and which argument.
 * @throws FlotillaError / CancelledError for a future of another client, a released or a cancelled one;
 *   SerializationError for a value that cannot be sent.
 */
function encodeArguments(owner: FutureOwner, args: unknown[], what: string | (() => string)): EncodedValue {
  fastOwner = owner;
  try {
    return encodeValue(args, FAST_ENCODE);
  } catch (error) {
    if (error !== NEEDS_NAMES && !(error instanceof SerializationError)) throw error;
  } finally {
    fastOwner = undefined;
  }
  const name = typeof what === 'string' ? what : what();
  return encodeValue(args, {
    label: `the arguments of ${name}`,
    argumentsOf: name,
    externalRef: (value) => {
      if (!(value instanceof Future)) return undefined;
      if (futureOwner(value) !== owner) throw new FlotillaError(`argument of ${name} holds future ${value.key} of another client; gather it first or use futures of this client`);
      if (value.released) throw new FlotillaError(`argument of ${name} holds future ${value.key}, which was released; keep the future until its dependents are submitted`);
      if (value.status === 'cancelled') {
        throw new CancelledError(`argument of ${name} holds future ${value.key}, which was cancelled; submit its task again to compute it anew, then pass the new future`, { keys: [value.key] });
      }
      return value.key;
    },
  });
}

/**
 * One task of `submit` or `map`: its arguments encoded (futures of `owner` become references to their
 * keys) and its key (`key` if given, else the function's name and a hash, or a random id when not pure).
 * `what` names the call in error messages (`'submit'`, `'map (element 3)'`); a function is called only
 * when a message needs the name.
 * @throws FlotillaError when an argument holds a future of another client or a released one.
 */
export function prepareTask(
  owner: FutureOwner,
  shipped: ShippedFunction,
  fn: (...args: unknown[]) => unknown,
  args: unknown[],
  options: SubmitOptions,
  key: string | undefined,
  what: string | (() => string),
  prefix: string = shipped.name,
): PreparedTask {
  const encoded = encodeArguments(owner, args, what);
  const taskKey = key ?? (options.pure === false ? `${prefix}-${randomUUID()}` : `${prefix}-${tokenize(shipped.hash, encoded)}`);
  return { key: taskKey, fn: shipped, callable: fn, args, encoded, options };
}

/**
 * The key `submit` was given, if any.
 * @throws ConfigurationError when it is not a non-empty string (a list of keys is for `map`).
 */
export function submitKey(key: SubmitOptions['key']): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key === '') {
    throw new ConfigurationError(`submit takes one key, a non-empty string, got ${Array.isArray(key) ? 'a list' : JSON.stringify(key)}; a list of keys is for map: client.with({ key: ['a', 'b'] }).map(fn, xs)`);
  }
  return key;
}

/**
 * The explicit keys of a `map` given `key: [...]`, one per element; undefined when `key` is absent or a
 * prefix (then each key is the prefix and a hash of the element's arguments, as in Dask).
 * @throws ConfigurationError when the list's length differs from the elements', a key is not a non-empty
 * string, or a key is given twice.
 */
export function mapKeys(key: SubmitOptions['key'], length: number): readonly string[] | undefined {
  if (key === undefined) return undefined;
  if (typeof key === 'string') {
    if (key === '') throw new ConfigurationError(`map's key prefix is empty; give a name such as client.with({ key: 'load' }).map(fn, xs), or leave key out`);
    return undefined;
  }
  if (!Array.isArray(key)) throw new ConfigurationError(`map's key must be a prefix string or a list of keys, one per element; got ${typeof key}`);
  if (key.length !== length) {
    throw new ConfigurationError(`map got ${key.length} keys for ${length} elements; give exactly one key per element (or a prefix string)`);
  }
  const seen = new Set<string>();
  for (const [i, k] of key.entries()) {
    if (typeof k !== 'string' || k === '') throw new ConfigurationError(`key ${i} given to map is ${JSON.stringify(k)}; every key must be a non-empty string`);
    if (seen.has(k)) throw new ConfigurationError(`map got the key ${JSON.stringify(k)} twice; each element needs its own key, or two elements would share one result`);
    seen.add(k);
  }
  return key;
}

/**
 * The iterables given to `map`, as arrays of one length (one column per argument position).
 * @throws ConfigurationError when there are none, one is not iterable, or their lengths differ.
 */
export function mapColumns(iterables: Iterable<unknown>[]): unknown[][] {
  if (iterables.length === 0) throw new ConfigurationError('map needs at least one iterable of arguments, e.g. client.map(fn, [1, 2, 3])');
  const columns = iterables.map((it, i) => {
    if (it === null || typeof (it as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new ConfigurationError(`argument ${i + 2} of map must be an iterable (an array, a Set …), got ${typeof it}`);
    }
    return [...it];
  });
  const length = columns[0]!.length;
  if (columns.some((c) => c.length !== length)) {
    throw new ConfigurationError(`map got iterables of different lengths (${columns.map((c) => c.length).join(', ')}); give them all the same length so no element is silently dropped`);
  }
  return columns;
}

/** The values of one `scatter` call, encoded and keyed; `names` is set when they came as a plain object. */
export interface PreparedScatter {
  readonly names: string[] | undefined;
  readonly values: unknown[];
  readonly encoded: EncodedValue[];
  readonly keys: string[];
}

/**
 * Encodes and keys the values given to `scatter` (by hash of their bytes with `hash`, else random).
 * @throws ConfigurationError when `values` is neither an array nor a plain object.
 */
export function prepareScatter(values: unknown, options: ScatterOptions): PreparedScatter {
  const named = !Array.isArray(values) && isPlainObject(values);
  if (!Array.isArray(values) && !named) {
    throw new ConfigurationError(`scatter takes an array of values (or a plain object of named values), got ${describeKind(values)}; for one value write: const [future] = await client.scatter([value])`);
  }
  const names = named ? Object.keys(values as Record<string, unknown>) : [];
  const list = named ? Object.values(values as Record<string, unknown>) : (values as unknown[]);
  const encoded = list.map((v, i) => encodeValue(v, { label: named ? `value ${JSON.stringify(names[i])} given to scatter` : `value ${i} given to scatter` }));
  const keys = encoded.map((e, i) => options.hash ? `scatter-${tokenize('scatter', e)}` : named ? `${names[i]}-${randomUUID()}` : `scatter-${randomUUID()}`);
  return { names: named ? names : undefined, values: list, encoded, keys };
}

/** Arguments up to this size are joined to the function hash and hashed in one shot (see util/digest). */
const ONE_SHOT_MAX_BYTES = 64 * 1024;

/** Where the one-shot hash input is put together: the function hash, then the body (reused, so no buffers per task). */
const oneShotInput = Buffer.allocUnsafe(2 * ONE_SHOT_MAX_BYTES);
/** The function hash most recently written at the start of {@link oneShotInput}, and its length in bytes. */
let inputHash = '';
let inputHashBytes = 0;

/** The pure key part of a call: a hash of the function's hash and the encoded arguments. */
export function tokenize(fnHash: string, encoded: EncodedValue): string {
  const body = encoded.body;
  if (digestIsOneShot && encoded.frames.length === 0 && body.byteLength <= ONE_SHOT_MAX_BYTES && fnHash.length <= ONE_SHOT_MAX_BYTES) {
    // The same bytes as the chain below (the function hash, then the body), so keys do not change. A
    // map's calls share their function: its hash is written once, and each body after it.
    if (fnHash !== inputHash) {
      inputHashBytes = oneShotInput.write(fnHash, 0, 'latin1');
      inputHash = fnHash;
    }
    oneShotInput.set(body, inputHashBytes);
    return digest('sha1', oneShotInput.subarray(0, inputHashBytes + body.byteLength), 'hex').slice(0, 32);
  }
  const hash = createHash('sha1').update(fnHash).update(encoded.body);
  for (const frame of encoded.frames) hash.update(frame);
  return hash.digest('hex').slice(0, 32);
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'an object';
}
