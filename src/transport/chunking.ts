/**
 * Large binary frames travel as a stream of 1 MiB chunk messages before the message that uses them.
 *
 * Why: ZeroMQ delivers a multipart message whole, so one 800 MB frame would sit in the receiver's memory
 * next to the buffer it is copied into (twice the data), and large single frames move at half the speed
 * of 1 MiB ones. Chunks are copied into their final buffer as they arrive (a SharedArrayBuffer on
 * workers), and a bounded receive queue pushes back through TCP to the sender.
 *
 * Chunk message: [header (24 bytes: 'FLCH', stream u32, total f64, offset f64), data].
 * Main message: its streamed frames are empty placeholders, and a last frame 'FLST' + JSON
 * [[frameIndex, streamId], …] says which.
 */
import { ChunkReclaimer } from './reclaim.js';

export const CHUNK_BYTES = 1024 * 1024;
export const STREAM_THRESHOLD_BYTES = 4 * 1024 * 1024;

const CHUNK_MAGIC = 0x48434c46; // 'FLCH' little-endian
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
  for (let i = 1; i < frames.length; i++) {
    const frame = frames[i]!;
    if (frame.byteLength < STREAM_THRESHOLD_BYTES) continue;
    const stream = nextStreamId();
    (streamed ??= []).push([i, stream]);
    for (let offset = 0; offset < frame.byteLength; offset += CHUNK_BYTES) {
      const header = Buffer.allocUnsafe(24);
      header.writeUInt32LE(CHUNK_MAGIC, 0);
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

/** Reassembles streamed frames for one peer connection. */
export class Reassembler {
  #streams = new Map<number, { buffer: Uint8Array; received: number }>();

  readonly #reclaimer: ChunkReclaimer;

  /**
   * @param allocate where a streamed frame of `size` bytes is assembled (e.g. a SharedArrayBuffer).
   * @param reclaim collect garbage as chunks are consumed (workers, whose peak memory should be the
   *   data they keep); elsewhere the garbage collector's own schedule is fine.
   */
  constructor(
    private readonly allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size),
    reclaim = false,
  ) {
    this.#reclaimer = new ChunkReclaimer(reclaim);
  }

  /**
   * Takes one received message. Returns undefined when it was a chunk (consumed), otherwise the message's
   * frames with streamed frames put back in place.
   */
  accept(frames: Uint8Array[]): Uint8Array[] | undefined {
    const first = frames[0];
    if (frames.length === 2 && first && first.byteLength === 24 && readU32(first, 0) === CHUNK_MAGIC) {
      const view = Buffer.from(first.buffer, first.byteOffset, 24);
      const stream = view.readUInt32LE(4);
      const total = view.readDoubleLE(8);
      const offset = view.readDoubleLE(16);
      let entry = this.#streams.get(stream);
      if (!entry) this.#streams.set(stream, (entry = { buffer: this.allocate(total), received: 0 }));
      entry.buffer.set(frames[1]!, offset);
      entry.received += frames[1]!.byteLength;
      this.#reclaimer.consumed(frames[1]!.byteLength, total);
      return undefined;
    }
    const last = frames[frames.length - 1];
    if (!last || last.byteLength < 4 || readU32(last, 0) !== readU32(STREAMS_MAGIC, 0)) return frames;
    const streamed = JSON.parse(Buffer.from(last.buffer, last.byteOffset + 4, last.byteLength - 4).toString('utf8')) as Array<[number, number]>;
    const out = frames.slice(0, -1);
    for (const [index, stream] of streamed) {
      const entry = this.#streams.get(stream);
      this.#streams.delete(stream);
      if (!entry || entry.received !== entry.buffer.byteLength) {
        throw new RangeError(`streamed frame ${index} (stream ${stream}) arrived incomplete: ${entry?.received ?? 0} of ${entry?.buffer.byteLength ?? '?'} bytes`);
      }
      out[index] = entry.buffer;
    }
    return out;
  }
}

function readU32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

/** Allocates assembled frames in SharedArrayBuffers, so every task thread of a worker reads one copy. */
export const sharedAllocator = (size: number): Uint8Array => new Uint8Array(new SharedArrayBuffer(size));
