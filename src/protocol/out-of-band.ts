/**
 * A binary payload that travels as its own ZeroMQ frame instead of inside the msgpack body.
 * Wrapping makes the intent explicit in message types, and lets the codec hoist it without copying.
 */
export class OutOfBand {
  constructor(readonly bytes: Uint8Array) {}
  get byteLength(): number {
    return this.bytes.byteLength;
  }
}
