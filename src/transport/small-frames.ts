/**
 * Message bodies of a few hundred bytes travel as pieces of at most 128 bytes.
 *
 * Why: zeromq.js copies a frame of at most 128 bytes into ZeroMQ, but hands a larger one over without
 * copying and, once ZeroMQ's I/O thread has sent it, releases it through an asynchronous call to the
 * JavaScript thread (its "trash"). That call wakes the JavaScript thread once more per send, just after
 * it went to sleep waiting for the answer: measured here, 1.3–1.7 wake-ups of the JavaScript thread per
 * round trip of a 200-byte frame against 0.9–1.0 for 100 bytes or for the same 200 bytes in pieces, and
 * every wake-up is a context switch on a machine whose cores are shared. A body of 129 to
 * {@link SPLIT_BODY_MAX_BYTES} bytes (a task order, a result notice) is therefore sent as
 * `['FLSP' + piece count (u8), piece 1, …, piece n, …the other frames]`; larger bodies, whose copy would
 * cost more than the wake-up, go as one frame as before.
 *
 * A batch body is a msgpack array, so it never begins with 'F': the header cannot be mistaken for a body.
 */
import { ProtocolError } from '../errors/index.js';

/** zeromq.js copies frames up to this size (its `zero_copy_threshold`, 1 << 7). */
export const COPIED_FRAME_BYTES = 128;
/** Bodies up to this size are split into copied pieces. */
export const SPLIT_BODY_MAX_BYTES = 1024;

const SPLIT_MAGIC = 0x50534c46; // 'FLSP' little-endian
const HEADER_BYTES = 5;
const MAX_PIECES = Math.ceil(SPLIT_BODY_MAX_BYTES / COPIED_FRAME_BYTES);

/** `frames` (frame 0 the body) with a body of 129…SPLIT_BODY_MAX_BYTES bytes split into pieces; otherwise `frames` itself. */
export function splitBody(frames: Uint8Array[]): Uint8Array[] {
  const body = frames[0];
  if (!body || body.byteLength <= COPIED_FRAME_BYTES || body.byteLength > SPLIT_BODY_MAX_BYTES) return frames;
  const pieces = Math.ceil(body.byteLength / COPIED_FRAME_BYTES);
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(SPLIT_MAGIC, 0);
  header.writeUInt8(pieces, 4);
  const out: Uint8Array[] = [header];
  for (let offset = 0; offset < body.byteLength; offset += COPIED_FRAME_BYTES) out.push(body.subarray(offset, offset + COPIED_FRAME_BYTES));
  for (let i = 1; i < frames.length; i++) out.push(frames[i]!);
  return out;
}

/**
 * Undoes {@link splitBody}: a message that begins with a split header gets its body back in one piece;
 * any other message is returned as it is.
 * @throws ProtocolError for a split header whose pieces are missing or of the wrong sizes.
 */
export function joinBody(frames: Uint8Array[]): Uint8Array[] {
  const header = frames[0];
  if (!header || header.byteLength !== HEADER_BYTES || readU32(header) !== SPLIT_MAGIC) return frames;
  const pieces = header[4]!;
  if (pieces < 2 || pieces > MAX_PIECES || frames.length < 1 + pieces) {
    throw new ProtocolError(`a message announced a body in ${pieces} pieces but ${pieces < 2 || pieces > MAX_PIECES ? `2 to ${MAX_PIECES} are allowed` : `only ${frames.length - 1} frames followed`}`);
  }
  let total = 0;
  for (let i = 1; i <= pieces; i++) {
    const size = frames[i]!.byteLength;
    // Every piece but the last is full; the last holds the rest (1 to 128 bytes).
    if (size > COPIED_FRAME_BYTES || size === 0 || (i < pieces && size !== COPIED_FRAME_BYTES)) {
      throw new ProtocolError(`piece ${i} of a split message body has ${size} bytes; pieces are ${COPIED_FRAME_BYTES} bytes, the last 1 to ${COPIED_FRAME_BYTES}`);
    }
    total += size;
  }
  const body = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 1; i <= pieces; i++) {
    body.set(frames[i]!, offset);
    offset += frames[i]!.byteLength;
  }
  const out: Uint8Array[] = [body];
  for (let i = 1 + pieces; i < frames.length; i++) out.push(frames[i]!);
  return out;
}

function readU32(bytes: Uint8Array): number {
  return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
}
