import { describe, expect, it } from 'vitest';
import { SerializationError } from '../../src/errors/index.js';
import {
  FLOTILLA_EXTENSION_TYPE,
  FRAME_THRESHOLD_BYTES,
  UnresolvedRef,
  decodeValue,
  encodeValue,
  encodedSize,
  type EncodedValue,
} from '../../src/serialize/value-codec.js';

/** Stands in for the client's Future: a class instance the codec must treat as a reference. */
class FakeFuture {
  constructor(readonly key: string) {}
}
const externalRef = (value: object): string | undefined => (value instanceof FakeFuture ? value.key : undefined);

function roundTrip<T>(value: T): T {
  return decodeValue(encodeValue(value)) as T;
}

function refusal(value: unknown, label = 'argument 1 of submit'): SerializationError {
  try {
    encodeValue(value, { label, externalRef });
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    return error as SerializationError;
  }
  throw new Error('encodeValue accepted a value it should refuse');
}

const LARGE = FRAME_THRESHOLD_BYTES * 4;

describe('encodeValue / decodeValue round trips', () => {
  it.each([
    ['zero', 0],
    ['a float', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['2^53', 2 ** 53],
    ['a negative 32-bit integer', -(2 ** 31)],
    ['a large negative number', -(2 ** 60)],
    ['an empty string', ''],
    ['a unicode string', 'naïve – 日本 🚀'],
    ['true', true],
    ['false', false],
    ['null', null],
    ['undefined', undefined],
    ['a small bigint', 10n],
    ['the smallest int64', -(2n ** 63n)],
    ['the largest uint64', 2n ** 64n - 1n],
    ['a huge bigint', 2n ** 200n + 7n],
    ['a huge negative bigint', -(2n ** 100n)],
  ])('keeps %s', (_name, value) => {
    expect(Object.is(roundTrip(value), value)).toBe(true);
    expect(Object.is(roundTrip([value])[0], value)).toBe(true);
  });

  it('keeps -0 at the top level and nested', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    const decoded = roundTrip({ a: [1, -0], b: -0 });
    expect(Object.is(decoded.a[1], -0)).toBe(true);
    expect(Object.is(decoded.b, -0)).toBe(true);
    expect(Object.is(roundTrip(0), 0)).toBe(true);
  });

  it('keeps nested plain objects and arrays, undefined values and holes', () => {
    const value = { a: 1, b: 'x', nested: { list: [1, [2, [3, { deep: true }]]], u: undefined }, empty: {}, none: [] };
    const decoded = roundTrip(value);
    expect(decoded).toEqual(value);
    expect('u' in decoded.nested).toBe(true);
    // eslint-disable-next-line no-sparse-arrays
    expect(roundTrip([1, , 3])).toEqual([1, undefined, 3]);
  });

  it('keeps null-prototype objects as plain data, and a "__proto__" key cannot change the prototype', () => {
    const value = Object.create(null) as Record<string, unknown>;
    value.a = 1;
    Object.defineProperty(value, '__proto__', { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
    value.big = new Float64Array(LARGE / 8); // forces the walk to copy this object
    const decoded = roundTrip(value);
    expect(decoded.a).toBe(1);
    expect(decoded.big).toBeInstanceOf(Float64Array);
    // msgpackr renames the key to "__proto_" on decode rather than let data set a prototype.
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(decoded.polluted).toBeUndefined();
    expect(decoded.__proto_).toEqual({ polluted: true });
  });

  it('keeps Dates (valid and invalid), RegExps, Sets and Maps with non-string keys', () => {
    const objectKey = { id: 7 };
    const value = {
      when: new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123)),
      invalid: new Date(Number.NaN),
      pattern: /a+b?/gi,
      set: new Set([1, 'two', 3n]),
      map: new Map<unknown, unknown>([
        [1, 'one'],
        ['1', 'string one'],
        [objectKey, new Map([[true, null]])],
      ]),
    };
    const decoded = roundTrip(value);
    expect(decoded.when).toBeInstanceOf(Date);
    expect(decoded.when.getTime()).toBe(value.when.getTime());
    expect(Number.isNaN(decoded.invalid.getTime())).toBe(true);
    expect(decoded.pattern).toBeInstanceOf(RegExp);
    expect(decoded.pattern.source).toBe('a+b?');
    expect(decoded.pattern.flags).toBe('gi');
    expect(decoded.set).toEqual(new Set([1, 'two', 3n]));
    expect(decoded.map).toBeInstanceOf(Map);
    expect(decoded.map.get(1)).toBe('one');
    expect(decoded.map.get('1')).toBe('string one');
    const keys = [...decoded.map.keys()];
    expect(keys[2]).toEqual({ id: 7 });
    expect(decoded.map.get(keys[2])).toEqual(new Map([[true, null]]));
  });

  it('keeps Errors: class, name, message, stack, cause and own fields', () => {
    const cause = new RangeError('inner');
    const error = Object.assign(new TypeError('outer', { cause }), { code: 'E_OUTER', detail: { n: 1 } });
    const decoded = roundTrip({ error }).error as TypeError & { code: string; detail: unknown; cause: RangeError };
    expect(decoded).toBeInstanceOf(TypeError);
    expect(decoded.name).toBe('TypeError');
    expect(decoded.message).toBe('outer');
    expect(decoded.stack).toBe(error.stack);
    expect(decoded.code).toBe('E_OUTER');
    expect(decoded.detail).toEqual({ n: 1 });
    expect(decoded.cause).toBeInstanceOf(RangeError);
    expect(decoded.cause.message).toBe('inner');
    expect(decoded.cause.stack).toBe(cause.stack);
  });

  it('keeps the name of a custom Error subclass and the errors of an AggregateError', () => {
    class DomainError extends Error {
      override name = 'DomainError';
    }
    const decoded = roundTrip(new DomainError('bad domain'));
    expect(decoded).toBeInstanceOf(Error);
    expect(decoded.name).toBe('DomainError');
    expect(decoded.message).toBe('bad domain');
    expect(String(decoded.stack)).toContain('bad domain');
    const aggregate = roundTrip(new AggregateError([new Error('a'), new Error('b')], 'both'));
    expect(aggregate).toBeInstanceOf(AggregateError);
    expect(aggregate.errors.map((e: Error) => e.message)).toEqual(['a', 'b']);
  });

  it('drops an Error field that cannot travel instead of refusing the whole error', () => {
    const error = Object.assign(new Error('with a callback'), { retry: () => 1, attempts: 3 });
    const decoded = roundTrip(error) as Error & { attempts: number; retry?: unknown };
    expect(decoded.message).toBe('with a callback');
    expect(decoded.attempts).toBe(3);
    expect('retry' in decoded).toBe(false);
  });

  const typedArrayConstructors = [
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
  ] as const;

  for (const Constructor of typedArrayConstructors) {
    for (const [size, where] of [
      [16, 'inline'],
      [LARGE, 'in a frame'],
    ] as const) {
      it(`keeps a ${Constructor.name} of ${size} bytes ${where}`, () => {
        const length = size / Constructor.BYTES_PER_ELEMENT;
        const original = new Constructor(length);
        for (let i = 0; i < length; i++) {
          original[i] = (typeof original[0] === 'bigint' ? BigInt(i * 3 + 1) : (i * 3 + 1) % 100) as never;
        }
        const encoded = encodeValue({ data: original });
        expect(encoded.frames.length).toBe(size >= FRAME_THRESHOLD_BYTES ? 1 : 0);
        const decoded = decodeValue(encoded) as { data: typeof original };
        expect(decoded.data).toBeInstanceOf(Constructor);
        expect(Array.from(decoded.data as ArrayLike<number | bigint>)).toEqual(Array.from(original as ArrayLike<number | bigint>));
      });
    }
  }

  it('keeps Buffers as Buffers, inline and in frames', () => {
    for (const buffer of [Buffer.from('hello'), Buffer.alloc(LARGE, 7)]) {
      const decoded = roundTrip({ buffer }).buffer;
      expect(Buffer.isBuffer(decoded)).toBe(true);
      expect(decoded.equals(buffer)).toBe(true);
    }
  });

  it('keeps ArrayBuffers, DataViews and SharedArrayBuffers, inline and in frames', () => {
    for (const size of [8, LARGE]) {
      const arrayBuffer = new Uint8Array(size).map((_, i) => i % 251).buffer;
      const decodedBuffer = roundTrip(arrayBuffer);
      expect(decodedBuffer).toBeInstanceOf(ArrayBuffer);
      expect(new Uint8Array(decodedBuffer)).toEqual(new Uint8Array(arrayBuffer));

      const view = new DataView(arrayBuffer, 2, size - 4);
      const decodedView = roundTrip(view);
      expect(decodedView).toBeInstanceOf(DataView);
      expect(decodedView.byteLength).toBe(size - 4);
      expect(decodedView.getUint8(0)).toBe(2);

      const shared = new SharedArrayBuffer(size);
      new Uint8Array(shared).fill(9);
      const decodedShared = roundTrip(shared);
      expect(decodedShared).toBeInstanceOf(SharedArrayBuffer);
      expect(new Uint8Array(decodedShared)).toEqual(new Uint8Array(size).fill(9));
    }
  });
});

describe('frames', () => {
  it('moves large binary values out of the body without copying them', () => {
    const data = new Float64Array(LARGE / 8).fill(2.5);
    const encoded = encodeValue([1, { data }]);
    expect(encoded.frames).toHaveLength(1);
    const [frame] = encoded.frames;
    expect(frame!.buffer).toBe(data.buffer);
    expect(frame!.byteOffset).toBe(data.byteOffset);
    expect(frame!.byteLength).toBe(data.byteLength);
    expect(encoded.body.byteLength).toBeLessThan(64);
    expect(encodedSize(encoded)).toBe(encoded.body.byteLength + data.byteLength);
  });

  it('gives each encode its own body bytes (a later encode does not overwrite an earlier body)', () => {
    const first = encodeValue({ text: 'first value', n: [1, 2, 3] });
    const snapshot = Uint8Array.prototype.slice.call(first.body);
    for (let i = 0; i < 2_000; i++) encodeValue({ text: `other value ${i}`, n: [i, i, i] });
    expect(Array.from(first.body)).toEqual(Array.from(snapshot));
    expect(decodeValue(first)).toEqual({ text: 'first value', n: [1, 2, 3] });
  });

  it('decodes small inline binary values into their own memory, not into the body', () => {
    const encoded = encodeValue({ buffer: Buffer.from('abc'), floats: new Float32Array([1, 2]) });
    const decoded = decodeValue(encoded) as { buffer: Buffer; floats: Float32Array };
    expect(decoded.buffer.buffer).not.toBe(encoded.body.buffer);
    expect(decoded.floats.buffer).not.toBe(encoded.body.buffer);
    const snapshot = Uint8Array.prototype.slice.call(encoded.body);
    decoded.buffer.fill(0);
    decoded.floats.fill(0);
    expect(Array.from(encoded.body)).toEqual(Array.from(snapshot));
  });

  it('keeps small binary values inline', () => {
    const encoded = encodeValue([new Float64Array(4), Buffer.from('abc'), new ArrayBuffer(8)]);
    expect(encoded.frames).toEqual([]);
  });

  it('honours frameThresholdBytes', () => {
    const small = new Uint16Array([1, 2, 3]);
    const everyBinary = encodeValue({ small }, { frameThresholdBytes: 0 });
    expect(everyBinary.frames).toHaveLength(1);
    expect(Array.from((decodeValue(everyBinary) as { small: Uint16Array }).small)).toEqual([1, 2, 3]);
    const large = new Uint8Array(LARGE);
    expect(encodeValue(large, { frameThresholdBytes: LARGE + 1 }).frames).toEqual([]);
    expect(encodeValue(large).frames).toHaveLength(1);
  });

  it('sends one frame for a typed array that appears twice', () => {
    const data = new Int32Array(LARGE / 4);
    const encoded = encodeValue({ a: data, b: [data] });
    expect(encoded.frames).toHaveLength(1);
    const decoded = decodeValue(encoded) as { a: Int32Array; b: Int32Array[] };
    expect(decoded.a.buffer).toBe(decoded.b[0]!.buffer);
  });

  it('decodes an aligned frame as a view on the frame, and a misaligned one as an aligned copy', () => {
    const data = new Float64Array(LARGE / 8).map((_, i) => i + 0.5);
    const encoded = encodeValue(data);
    const aligned = decodeValue(encoded) as Float64Array;
    expect(aligned.buffer).toBe(encoded.frames[0]!.buffer);

    // The same bytes at an odd offset inside a bigger buffer, as a transport might deliver them.
    const carrier = new Uint8Array(data.byteLength + 3);
    carrier.set(new Uint8Array(data.buffer), 3);
    const misaligned = decodeValue({ body: encoded.body, frames: [carrier.subarray(3)] }) as Float64Array;
    expect(misaligned).toBeInstanceOf(Float64Array);
    expect(misaligned.buffer).not.toBe(carrier.buffer);
    expect(misaligned.byteOffset % 8).toBe(0);
    expect(Array.from(misaligned)).toEqual(Array.from(data));
  });

  it('decodes a Float64Array from a SharedArrayBuffer-backed frame as a view on that SharedArrayBuffer', () => {
    const shared = new SharedArrayBuffer(LARGE + 64);
    const original = new Float64Array(shared, 64, LARGE / 8).fill(4.25);
    const encoded = encodeValue({ original });
    expect(encoded.frames[0]!.buffer).toBe(shared);
    const decoded = (decodeValue(encoded) as { original: Float64Array }).original;
    expect(decoded.buffer).toBe(shared);
    expect(decoded.byteOffset).toBe(64);
    // Same memory: a write through one view is seen through the other.
    original[0] = 99;
    expect(decoded[0]).toBe(99);

    // A frame the store made in its own SharedArrayBuffer decodes onto that buffer too.
    const store = new SharedArrayBuffer(LARGE);
    new Uint8Array(store).set(encoded.frames[0]!);
    const fromStore = decodeValue({ body: encoded.body, frames: [new Uint8Array(store)] }) as { original: Float64Array };
    expect(fromStore.original.buffer).toBe(store);
  });

  it('returns a whole SharedArrayBuffer value as the very same SharedArrayBuffer', () => {
    const shared = new SharedArrayBuffer(LARGE);
    const encoded = encodeValue([shared]);
    expect((decodeValue(encoded) as SharedArrayBuffer[])[0]).toBe(shared);
  });

  it('refuses frames that do not match the body', () => {
    const encoded = encodeValue(new Float64Array(LARGE / 8));
    expect(() => decodeValue({ body: encoded.body, frames: [] })).toThrow(/frame 0 is referenced but only 0 frames arrived/);
    expect(() => decodeValue({ body: encoded.body, frames: [new Uint8Array(LARGE - 3)] })).toThrow(SerializationError);
  });

  it('refuses a corrupt body with a SerializationError', () => {
    expect(() => decodeValue({ body: new Uint8Array([0xc1, 0xff, 0x00]), frames: [] })).toThrow(SerializationError);
    const truncated = encodeValue({ a: 'some text', b: [1, 2, 3] }).body.subarray(0, 5);
    expect(() => decodeValue({ body: truncated, frames: [] })).toThrow(SerializationError);
  });
});

describe('external references', () => {
  it('lists referenced keys in order of first appearance, once each', () => {
    const a = new FakeFuture('a-1');
    const b = new FakeFuture('b-2');
    const encoded = encodeValue([b, { x: a, again: b }, new Map([['k', a]])], { externalRef });
    expect(encoded.refs).toEqual(['b-2', 'a-1']);
  });

  it('puts resolved values in place of references nested in arrays, objects, Maps and Sets', () => {
    const a = new FakeFuture('a');
    const b = new FakeFuture('b');
    const value = { list: [1, a, [b]], obj: { deep: { ref: a } }, map: new Map<unknown, unknown>([[b, a]]), set: new Set([b]) };
    const encoded = encodeValue(value, { externalRef });
    const resolved: string[] = [];
    const decoded = decodeValue(encoded, {
      resolveRef: (key) => {
        resolved.push(key);
        return { resultOf: key, data: new Float64Array([1, 2]) };
      },
    }) as {
      list: unknown[];
      obj: { deep: { ref: unknown } };
      map: Map<unknown, unknown>;
      set: Set<unknown>;
    };
    expect(decoded.list[1]).toEqual({ resultOf: 'a', data: new Float64Array([1, 2]) });
    expect(decoded.list[2]).toEqual([{ resultOf: 'b', data: new Float64Array([1, 2]) }]);
    expect(decoded.obj.deep.ref).toEqual({ resultOf: 'a', data: new Float64Array([1, 2]) });
    expect([...decoded.map.entries()]).toEqual([[{ resultOf: 'b', data: new Float64Array([1, 2]) }, { resultOf: 'a', data: new Float64Array([1, 2]) }]]);
    expect([...decoded.set]).toEqual([{ resultOf: 'b', data: new Float64Array([1, 2]) }]);
    expect(resolved.sort()).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    // The original value is untouched by the substitution.
    expect(value.list[1]).toBe(a);
  });

  it('decodes references as UnresolvedRef when no resolver is given', () => {
    const decoded = decodeValue(encodeValue([new FakeFuture('k')], { externalRef })) as unknown[];
    expect(decoded[0]).toBeInstanceOf(UnresolvedRef);
    expect((decoded[0] as UnresolvedRef).key).toBe('k');
  });

  it('lets a resolver decode another value (nested decodes)', () => {
    const inner: EncodedValue = encodeValue({ big: new Float64Array(LARGE / 8).fill(3), text: 'inner' });
    const outer = encodeValue(['before', new FakeFuture('inner'), 'after'], { externalRef });
    const decoded = decodeValue(outer, { resolveRef: () => decodeValue(inner) }) as [string, { big: Float64Array; text: string }, string];
    expect(decoded[0]).toBe('before');
    expect(decoded[1].text).toBe('inner');
    expect(decoded[1].big[10]).toBe(3);
    expect(decoded[2]).toBe('after');
  });
});

describe('refusals name the path and the reason', () => {
  it('a function', () => {
    const error = refusal({ options: { callback: () => 1 } });
    expect(error.message).toContain('argument 1 of submit cannot be sent: value.options.callback is a function');
    expect(error.message).toContain('Call it from the task function instead, where it travels with the task');
  });

  it('a symbol inside an array', () => {
    expect(refusal([1, 2, Symbol('s')]).message).toContain('value[2] is a symbol (Symbol(s))');
  });

  it.each([
    ['WeakMap', new WeakMap(), 'Send a Map'],
    ['WeakSet', new WeakSet(), 'Send a Set'],
    ['WeakRef', new WeakRef({}), 'Send a Map'],
  ])('a %s', (name, value, hint) => {
    const message = refusal({ cache: value }).message;
    expect(message).toContain(`value.cache is a ${name}`);
    expect(message).toContain(hint);
  });

  it('a Promise, suggesting to await it or pass a future', () => {
    const message = refusal({ pending: Promise.resolve(1) }).message;
    expect(message).toContain('value.pending is a Promise');
    expect(message).toMatch(/Await it .* or pass a Future/);
  });

  it('a class instance, naming the class', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      norm(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    const message = refusal({ points: [new Point(1, 2)] }).message;
    expect(message).toContain('value.points[0] is an instance of class Point');
    expect(message).toContain('Send a plain object');
    expect(message).toContain('reconstruct the class inside the task');
  });

  it('a subclass of a typed array or of Map', () => {
    class Vector extends Float64Array {}
    class Registry extends Map {}
    expect(refusal({ v: new Vector(2) }).message).toContain('value.v is an instance of class Vector');
    expect(refusal({ r: new Registry() }).message).toContain('value.r is an instance of class Registry');
  });

  it('a boxed primitive', () => {
    // eslint-disable-next-line no-new-wrappers
    expect(refusal({ n: new Number(3) }).message).toContain('value.n is a boxed Number object');
  });

  it('a cycle, saying where it closes', () => {
    const root: Record<string, unknown> = { name: 'root' };
    const child: Record<string, unknown> = { parent: root };
    root.children = [child];
    const message = refusal({ tree: root }).message;
    expect(message).toContain('value.tree.children[0].parent refers back to value.tree, so the value is cyclic');
  });

  it('a cycle through a Map and a Set', () => {
    const map = new Map<string, unknown>();
    map.set('self', new Set([map]));
    expect(refusal(map).message).toContain('value.get("self")[set element #0] refers back to value, so the value is cyclic');
  });

  it('a deep cycle (beyond the linear ancestor scan)', () => {
    const top: Record<string, unknown> = {};
    let node = top;
    for (let i = 0; i < 50; i++) {
      const next: Record<string, unknown> = {};
      node.next = next;
      node = next;
    }
    node.back = top.next;
    const message = refusal(top).message;
    expect(message).toMatch(/value(\.next){50}\.back refers back to value\.next, so the value is cyclic/);
  });

  it('shared but acyclic references are fine', () => {
    const shared = { v: 1 };
    expect(roundTrip({ a: shared, b: [shared, shared] })).toEqual({ a: { v: 1 }, b: [{ v: 1 }, { v: 1 }] });
  });

  it('a value inside a Map names the key', () => {
    expect(refusal(new Map([['handler', { run() {} }]])).message).toContain('value.get("handler").run is a function');
  });

  it('a key with odd characters is quoted', () => {
    expect(refusal({ 'my key': Symbol.iterator }).message).toContain('value["my key"] is a symbol');
  });

  it('names the argument when encoding an argument list', () => {
    const args = [1, { options: { callback: () => 1 } }];
    expect(() => encodeValue(args, { label: 'the arguments of submit', argumentsOf: 'submit' })).toThrow(
      /^argument 2 of submit cannot be sent: value\.options\.callback is a function/,
    );
    const node: Record<string, unknown> = {};
    node.self = node;
    expect(() => encodeValue([node], { argumentsOf: 'map' })).toThrow(
      /^argument 1 of map cannot be sent: value\.self refers back to value, so the value is cyclic/,
    );
  });

  it('uses "value" as the label when none is given', () => {
    expect(() => encodeValue({ f: Math.max })).toThrow(/^value cannot be sent: value\.f is a function/);
  });

  it('a structure nested too deeply to encode', () => {
    let deep: unknown[] = [];
    const top = deep;
    for (let i = 0; i < 200_000; i++) {
      const next: unknown[] = [];
      deep.push(next);
      deep = next;
    }
    expect(() => encodeValue(top, { label: 'result of task t' })).toThrow(/result of task t cannot be sent: value(\[0\])+…\(936 more levels\)…(\[0\])+ is nested more than 1000 levels deep/);
  });
});

describe('coexistence with the protocol layer', () => {
  it('uses an msgpack extension type of its own, so both can be registered in one process', async () => {
    // The protocol codec registers its own extension when imported; both must keep working.
    const { encodeBatch, decodeBatch } = await import('../../src/protocol/codec.js');
    expect(FLOTILLA_EXTENSION_TYPE).not.toBe(0x46);
    const encoded = encodeValue({ data: new Float64Array(LARGE / 8).fill(1), neg: -0, ref: new FakeFuture('f') }, { externalRef });
    const frames = encodeBatch([{ op: 'probe', body: encoded.body }]);
    const [message] = decodeBatch(frames) as [{ op: string; body: Uint8Array }];
    const decoded = decodeValue({ body: message.body, frames: encoded.frames }, { resolveRef: (key) => `value of ${key}` }) as {
      data: Float64Array;
      neg: number;
      ref: string;
    };
    expect(decoded.data[0]).toBe(1);
    expect(Object.is(decoded.neg, -0)).toBe(true);
    expect(decoded.ref).toBe('value of f');
  });
});

describe('large objects', () => {
  it('keeps an object with more keys than a 16-bit msgpack map header holds', () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 70_000; i++) wide[`k${i}`] = i;
    const decoded = roundTrip({ wide }).wide;
    expect(Object.keys(decoded)).toHaveLength(70_000);
    expect(decoded.k69999).toBe(69_999);
  });
});
