/**
 * Large binary frames travel as a stream of 1 MiB chunk messages before the message that uses them.
 *
 * Why: ZeroMQ delivers a multipart message whole, so one 800 MB frame would sit in the receiver's memory
 * next to the buffer it is copied into (twice the data), and large single frames move at half the speed
 * of 1 MiB ones. Chunks are copied into their final buffer as they arrive (a SharedArrayBuffer on
 * workers), and a bounded receive queue pushes back through TCP to the sender.
 *
 * Chunk message: [header (24 bytes: 'FLCH' or 'FLCB', stream u32, total f64, offset f64), data].
 * 'FLCB' marks a chunk of a message body (frame 0), which is always assembled in ordinary memory.
 * Main message: its streamed frames are empty placeholders, and a last frame 'FLST' + JSON
 * [[frameIndex, streamId], …] says which. So no frame on the wire is larger than the threshold,
 * and receivers can refuse larger ones (see limits.ts).
 *
 * Reassembly is bounded per peer (see `Reassembler`): in bytes, in open streams, and in time.
 */
import { ProtocolError } from '../errors/index.js';
import { ChunkReclaimer } from './reclaim.js';
import { joinBody } from './small-frames.js';

export const CHUNK_BYTES = 1024 * 1024;
export const STREAM_THRESHOLD_BYTES = 4 * 1024 * 1024;

const CHUNK_MAGIC = 0x48434c46; // 'FLCH' little-endian
const BODY_CHUNK_MAGIC = 0x42434c46; // 'FLCB' little-endian
const STREAMS_MAGIC = Buffer.from('FLST');
const EMPTY = new Uint8Array(0);

export interface OutgoingParts {
  /** Chunk messages to send first, in order. */
  chunks: Uint8Array[][];
  /** The message itself, with placeholders and the stream list. */
  main: Uint8Array[];
}

/** Splits the large frames of `frames` (frame 0 is the body) into chunk messages. */
export function planSend(frames: Uint8Array[], nextStreamId: () => number): OutgoingParts | undefined {
  let streamed: Array<[number, number]> | undefined;
  const chunks: Uint8Array[][] = [];
  const main = frames.slice();
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    if (frame.byteLength < STREAM_THRESHOLD_BYTES) continue;
    const stream = nextStreamId();
    (streamed ??= []).push([i, stream]);
    for (let offset = 0; offset < frame.byteLength; offset += CHUNK_BYTES) {
      const header = Buffer.allocUnsafe(24);
      header.writeUInt32LE(i === 0 ? BODY_CHUNK_MAGIC : CHUNK_MAGIC, 0);
      header.writeUInt32LE(stream, 4);
      header.writeDoubleLE(frame.byteLength, 8);
      header.writeDoubleLE(offset, 16);
      chunks.push([header, frame.subarray(offset, Math.min(frame.byteLength, offset + CHUNK_BYTES))]);
    }
    main[i] = EMPTY;
  }
  if (!streamed) return undefined;
  main.push(Buffer.concat([STREAMS_MAGIC, Buffer.from(JSON.stringify(streamed))]));
  return { chunks, main };
}

/** Bounds of one peer's reassembly (see limits.ts). */
export interface AssemblyBounds {
  /** Bytes of streamed frames in reassembly at once. */
  maxBytes: number;
}

interface Stream {
  buffer: Uint8Array;
  received: number;
}

/**
 * Reassembles streamed frames for one peer connection, within bounds: at most `maxBytes` of streams at
 * once (a stream that would pass it is refused before anything is allocated), and at most one
 * incomplete stream (a sender finishes a stream before it starts the next, so a new stream while
 * another is incomplete drops the incomplete one). A refused or dropped stream throws a ProtocolError
 * naming the problem; its later chunks are ignored. `clear()` drops everything (the peer went, or made
 * no progress for too long).
 */
export class Reassembler {
  #streams = new Map<number, Stream>();
  #bytes = 0;
  /** The stream still receiving chunks, if any. */
  #open: number | undefined;
  /** Streams refused or dropped, whose remaining chunks are ignored (bounded: the last few). */
  #refused: number[] = [];
  /** When the last chunk or message arrived (for the time bound). */
  lastActivity = Date.now();

  readonly #reclaimer: ChunkReclaimer;

  /**
   * @param allocate where a streamed frame of `size` bytes is assembled (e.g. a SharedArrayBuffer).
   * @param reclaim collect garbage as chunks are consumed (workers, whose peak memory should be the
   *   data they keep); elsewhere the garbage collector's own schedule is fine.
   */
  constructor(
    private readonly allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size),
    reclaim = false,
    private readonly bounds: AssemblyBounds = { maxBytes: Number.MAX_SAFE_INTEGER },
  ) {
    this.#reclaimer = new ChunkReclaimer(reclaim);
  }

  /** Bytes held in reassembly now. */
  get heldBytes(): number {
    return this.#bytes;
  }

  /** Whether anything is held. */
  get idle(): boolean {
    return this.#streams.size === 0;
  }

  /** Drops every stream in reassembly. */
  clear(): void {
    this.#streams.clear();
    this.#bytes = 0;
    this.#open = undefined;
  }

  /**
   * Takes one received message. Returns undefined when it was a chunk (consumed), otherwise the message's
   * frames with a split body joined (small-frames.ts) and streamed frames put back in place.
   * @throws ProtocolError for a chunk that breaks a bound or a message whose streams are missing.
   */
  accept(received: Uint8Array[]): Uint8Array[] | undefined {
    this.lastActivity = Date.now();
    const frames = joinBody(received);
    const first = frames[0];
    if (frames.length === 2 && first && first.byteLength === 24) {
      const magic = readU32(first, 0);
      if (magic === CHUNK_MAGIC || magic === BODY_CHUNK_MAGIC) {
        this.#chunk(first, frames[1]!, magic === BODY_CHUNK_MAGIC);
        return undefined;
      }
    }
    const last = frames[frames.length - 1];
    if (!last || last.byteLength < 4 || readU32(last, 0) !== readU32(STREAMS_MAGIC, 0)) return frames;
    const streamed = parseStreamList(last, frames.length - 1);
    const out = frames.slice(0, -1);
    let problem: string | undefined;
    for (const [index, stream] of streamed) {
      const entry = this.#take(stream);
      if (!entry || entry.received !== entry.buffer.byteLength) {
        problem ??= `streamed frame ${index} (stream ${stream}) arrived incomplete: ${entry?.received ?? 0} of ${entry?.buffer.byteLength ?? '?'} bytes`;
        continue;
      }
      out[index] = entry.buffer;
    }
    if (problem) throw new ProtocolError(problem);
    return out;
  }

  #chunk(header: Uint8Array, data: Uint8Array, body: boolean): void {
    const view = Buffer.from(header.buffer, header.byteOffset, 24);
    const stream = view.readUInt32LE(4);
    const total = view.readDoubleLE(8);
    const offset = view.readDoubleLE(16);
    if (this.#refused.includes(stream)) return;
    let entry = this.#streams.get(stream);
    let dropped: string | undefined;
    if (!entry) {
      if (!Number.isSafeInteger(total) || total < 0) return this.#refuse(stream, `a chunk announced a stream of ${total} bytes`);
      if (this.#open !== undefined) {
        const open = this.#open;
        const held = this.#take(open)!;
        this.#refuse(open, undefined);
        dropped = `stream ${open} was left incomplete (${held.received} of ${held.buffer.byteLength} bytes) when stream ${stream} began: dropped`;
      }
      if (this.#bytes + total > this.bounds.maxBytes) {
        return this.#refuse(stream, `a stream of ${total} bytes would take this peer's reassembly to ${this.#bytes + total} bytes, over the limit of ${this.bounds.maxBytes} (maxAssemblyBytes; raise it to send larger values)`);
      }
      entry = { buffer: body ? new Uint8Array(total) : this.allocate(total), received: 0 };
      this.#streams.set(stream, entry);
      this.#bytes += total;
      this.#open = stream;
    }
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + data.byteLength > entry.buffer.byteLength || entry.received + data.byteLength > entry.buffer.byteLength) {
      this.#take(stream);
      return this.#refuse(stream, `a chunk at offset ${offset} of ${data.byteLength} bytes does not fit its stream of ${entry.buffer.byteLength} bytes`);
    }
    entry.buffer.set(data, offset);
    entry.received += data.byteLength;
    if (entry.received === entry.buffer.byteLength && this.#open === stream) this.#open = undefined;
    this.#reclaimer.consumed(data.byteLength, entry.buffer.byteLength);
    if (dropped) throw new ProtocolError(dropped);
  }

  #take(stream: number): Stream | undefined {
    const entry = this.#streams.get(stream);
    if (!entry) return undefined;
    this.#streams.delete(stream);
    this.#bytes -= entry.buffer.byteLength;
    if (this.#open === stream) this.#open = undefined;
    return entry;
  }

  /** Ignores the rest of `stream`; throws `problem` when given. */
  #refuse(stream: number, problem: string | undefined): void {
    this.#refused.push(stream);
    if (this.#refused.length > 16) this.#refused.shift();
    if (problem) throw new ProtocolError(`${problem}: the stream is dropped`);
  }
}

function parseStreamList(last: Uint8Array, frameCount: number): Array<[number, number]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(last.buffer, last.byteOffset + 4, last.byteLength - 4).toString('utf8'));
  } catch {
    throw new ProtocolError('the stream list of a message is not JSON');
  }
  if (!Array.isArray(parsed) || parsed.length > frameCount || !parsed.every((p) =>
    Array.isArray(p) && p.length === 2 && Number.isSafeInteger(p[0]) && p[0] >= 0 && p[0] < frameCount && Number.isSafeInteger(p[1]))) {
    throw new ProtocolError('the stream list of a message is not a list of [frame index, stream id] within the message');
  }
  return parsed as Array<[number, number]>;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

/** Allocates assembled frames in SharedArrayBuffers, so every task thread of a worker reads one copy. */
export const sharedAllocator = (size: number): Uint8Array => new Uint8Array(new SharedArrayBuffer(size));
