/**
 * Batch encoding of messages into ZeroMQ frames and back.
 *
 * Layout: frame 0 is the msgpack body (an array of messages); frames 1…n are `OutOfBand` payloads,
 * referenced from the body by index through msgpack extension type 0x46 ('F'). Encoding and decoding are
 * synchronous, so the frame list of the message in progress can live in a module variable.
 */
import { Packr, Unpackr, addExtension } from 'msgpackr';
import { OutOfBand } from './out-of-band.js';

const FRAME_EXTENSION = 0x46;

let framesBeingWritten: Uint8Array[] | null = null;
let framesBeingRead: Uint8Array[] | null = null;

addExtension({
  Class: OutOfBand,
  type: FRAME_EXTENSION,
  pack(instance: OutOfBand) {
    if (!framesBeingWritten) throw new Error('OutOfBand values can only be encoded by encodeBatch');
    const index = framesBeingWritten.push(instance.bytes); // frame 0 is the body, so the first payload is frame 1
    const ref = Buffer.allocUnsafe(4);
    ref.writeUInt32LE(index, 0);
    return ref;
  },
  unpack(ref: Uint8Array) {
    if (!framesBeingRead) throw new Error('OutOfBand values can only be decoded by decodeBatch');
    const index = ref[0]! | (ref[1]! << 8) | (ref[2]! << 16) | (ref[3]! << 24);
    const frame = framesBeingRead[index];
    if (frame === undefined) throw new RangeError(`frame ${index} referenced but only ${framesBeingRead.length - 1} binary frames arrived`);
    return new OutOfBand(frame);
  },
});

// Plain maps, no records: msgpackr's records would need structures shared between every pair of
// peers (or re-sent in each batch, which measured no faster here).
const packr = new Packr({ useRecords: false, moreTypes: false, encodeUndefinedAsNil: false });
// copyBuffers: a decoded binary must own its memory. A view into the received batch would keep the whole
// batch alive, and posting it to a task thread would clone the whole batch (megabytes per task).
const unpackr = new Unpackr({ useRecords: false, moreTypes: false, copyBuffers: true });

/** Encodes a batch of messages into frames: `[body, ...binaryFrames]`. */
export function encodeBatch(messages: readonly object[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  framesBeingWritten = frames;
  try {
    // `pack` reuses an internal buffer: copy so the frame stays valid while ZeroMQ sends it.
    const body = Buffer.from(packr.pack(messages));
    return [body, ...frames];
  } finally {
    framesBeingWritten = null;
  }
}

/** Decodes `[body, ...binaryFrames]` into the raw message objects; validation is the caller's job. */
export function decodeBatch(frames: readonly Uint8Array[]): unknown {
  if (frames.length === 0) throw new RangeError('empty message: no body frame');
  framesBeingRead = frames as Uint8Array[];
  try {
    return unpackr.unpack(frames[0] as Buffer);
  } finally {
    framesBeingRead = null;
  }
}
