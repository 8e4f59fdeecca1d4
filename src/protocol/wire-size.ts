/** Bytes of values as they travel: the msgpack body plus every binary frame. */
import type { WireValue } from './messages.js';

export function wireBytes(value: WireValue): number {
  let n = value.body.byteLength;
  for (const frame of value.frames) n += frame.bytes.byteLength;
  return n;
}

/** Bytes of all the values of a reply. */
export function valuesBytes(values: Record<string, WireValue>): number {
  let n = 0;
  for (const value of Object.values(values)) n += wireBytes(value);
  return n;
}
