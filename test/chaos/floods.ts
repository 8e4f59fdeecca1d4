/**
 * Malformed traffic for the chaos suite: ZeroMQ messages (lists of frames) that no honest peer sends,
 * drawn from a seeded generator. Each kind is a function of the generator, so a failure can be
 * replayed with the same seed. A flood never needs an answer; the tests check what the receiver did.
 */
import { pack } from 'msgpackr';

export type Frames = Uint8Array[];
type Random = () => number;

const int = (random: Random, below: number): number => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)] as T;

function randomBytes(random: Random, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = int(random, 256);
  return bytes;
}

/** Values of every wrong type, for fields that expect something else. */
function junkValue(random: Random, depth = 0): unknown {
  const kinds: Array<() => unknown> = [
    () => null,
    () => int(random, 2) === 0,
    () => -1,
    () => 2 ** 53 + int(random, 1000),
    () => random() * 1e308,
    () => 'x'.repeat(int(random, 64)),
    () => '__proto__',
    () => randomBytes(random, int(random, 32)),
    () => (depth > 2 ? [] : Array.from({ length: int(random, 4) }, () => junkValue(random, depth + 1))),
    () => (depth > 2 ? {} : { [pick(random, ['__proto__', 'constructor', 'key', 'op', 'workers'])]: junkValue(random, depth + 1) }),
  ];
  return pick(random, kinds)();
}

/** A message that names a real op of `ops` with fields of the wrong types (or missing, or extra, or poisoned). */
export function wrongFields(random: Random, ops: readonly string[]): Record<string, unknown> {
  const message: Record<string, unknown> = { op: pick(random, ops) };
  const fields = ['id', 'keys', 'tasks', 'fns', 'clientId', 'version', 'fn', 'args', 'workers', 'name', 'timeoutMs', 'since', 'tail', 'values', 'broadcast', 'data', 'worker', 'executing', 'memory', 'queued', 'reports', 'key'];
  for (let n = int(random, 5); n > 0; n--) message[pick(random, fields)] = junkValue(random);
  return message;
}

/** An object whose own `__proto__` key (not the prototype) is set, as msgpack and JSON decoders produce. */
function protoKeyed(inner: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(`{"__proto__": ${JSON.stringify({ polluted: true })}, ${JSON.stringify(inner).slice(1)}`) as Record<string, unknown>;
}

/** Messages of the kinds every flotilla ROUTER must shrug off, before any hello or role. */
export function garbageFrames(random: Random, ops: readonly string[]): Frames {
  const kinds: Array<() => Frames> = [
    // Not msgpack at all, or truncated msgpack.
    () => [randomBytes(random, 1 + int(random, 512))],
    () => [Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff])], // array32 announcing 4 billion items
    () => [Uint8Array.from([0xc6, 0x7f, 0xff, 0xff, 0xff, 0x01])], // bin32 announcing 2 GiB, 1 byte given
    () => [Uint8Array.from([0xc1])], // the never-used byte
    () => [new Uint8Array(0)],
    () => [],
    // Valid msgpack that is not a batch, or a batch of non-messages.
    () => [pack(junkValue(random))],
    () => [pack([junkValue(random), junkValue(random)])],
    // Unknown, empty and prototype-named ops.
    () => [pack([{ op: pick(random, ['', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'no-such-op', 'x'.repeat(10_000)]) }])],
    () => [pack([protoKeyed({ op: pick(random, ops) })])],
    // Known ops, wrong fields.
    () => [pack(Array.from({ length: 1 + int(random, 8) }, () => wrongFields(random, ops)))],
    // Deep nesting: 20,000 levels of arrays.
    () => [Buffer.concat([Buffer.from(new Array(20_000).fill(0x91)), Buffer.from([0xc0])])],
    // A reference to a binary frame that never came (msgpack extension 0x46 with index 7).
    () => [Buffer.concat([Buffer.from([0x91, 0x82]), pack('op'), pack(pick(random, ops)), pack('data'), Buffer.from([0xd6, 0x46, 7, 0, 0, 0])])],
    () => [Buffer.from([0x91, 0xd6, 0x46, 0xff, 0xff, 0xff, 0x7f])],
    // Stream trailers ('FLST') that lie: bad JSON, frames that never streamed, wrong shapes.
    () => [pack([]), new Uint8Array(0), Buffer.concat([Buffer.from('FLST'), Buffer.from(pick(random, ['[[1,99]]', '{', '[["a",{}]]', '[[1e300,-1]]', 'null', '"x"']))])],
    // Many junk frames.
    () => Array.from({ length: 2 + int(random, 40) }, () => randomBytes(random, int(random, 16))),
  ];
  return pick(random, kinds)();
}

/**
 * Chunk messages ('FLCH' headers) that lie about their stream: impossible totals and offsets, and a
 * data frame that does not fit. None opens a stream that could hold memory: totals are 0, negative,
 * not a number, beyond what can be allocated, or smaller than the data.
 */
export function lyingChunkFrames(random: Random): Frames {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0x48434c46, 0);
  header.writeUInt32LE(int(random, 2 ** 32), 4);
  const total = pick(random, [0, -1, Number.NaN, Infinity, 2 ** 53, 2 ** 40, 8]);
  const offset = pick(random, [0, -5, Number.NaN, 2 ** 60, 7]);
  header.writeDoubleLE(total, 8);
  header.writeDoubleLE(offset, 16);
  return [header, randomBytes(random, 16 + int(random, 64))];
}

/**
 * The chunk messages of a stream of `streamBytes` that stops one 256 KiB piece short of its end: it
 * never completes. What a receiver without reassembly bounds keeps (and has written to) forever.
 */
export function unfinishedStream(random: Random, streamBytes: number): Frames[] {
  const piece = 256 * 1024;
  const stream = int(random, 2 ** 32);
  const messages: Frames[] = [];
  for (let offset = 0; offset + piece < streamBytes; offset += piece) {
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0x48434c46, 0);
    header.writeUInt32LE(stream, 4);
    header.writeDoubleLE(streamBytes, 8);
    header.writeDoubleLE(offset, 16);
    messages.push([header, Buffer.alloc(piece, 1 + int(random, 255))]);
  }
  return messages;
}

/** Memory in use after a full garbage collection: the JavaScript heap plus array buffers. */
export function settledMemory(gc: () => void): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** The resident set of process `pid`, in bytes, from /proc. */
export function residentBytes(pid: number, read: (path: string) => string): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`));
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
