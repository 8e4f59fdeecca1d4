/**
 * The values a worker holds on its main thread, encoded, until the scheduler frees them: its own
 * results, inputs fetched from peers, and scattered or copied data. It is separate from the task table
 * because it answers to the scheduler's and peers' requests for data as well as to tasks, and knows
 * nothing about tasks. Also the conversion between held values and the wire form.
 */
import type { WireValue } from '../protocol/messages.js';
import { OutOfBand } from '../protocol/out-of-band.js';
import type { StoredValue } from './thread-protocol.js';

/** Scattered frames at least this large go into SharedArrayBuffers: every task thread reads one copy. */
const SHARE_FRAME_BYTES = 64 * 1024;

export type HeldValue = StoredValue & { nbytes: number };

export class StoredData {
  readonly #values = new Map<string, HeldValue>();

  has(key: string): boolean {
    return this.#values.has(key);
  }

  get(key: string): HeldValue | undefined {
    return this.#values.get(key);
  }

  /** Keeps `value` under `key` and returns its size in bytes (body plus frames). */
  put(key: string, value: StoredValue): number {
    const nbytes = value.body.byteLength + value.frames.reduce((n, f) => n + f.byteLength, 0);
    this.#values.set(key, { ...value, nbytes });
    return nbytes;
  }

  delete(key: string): void {
    this.#values.delete(key);
  }

  clear(): void {
    this.#values.clear();
  }

  /** The held values among `keys` in wire form, and the keys not held here (a data reply's fields). */
  collect(keys: string[]): { values: Record<string, WireValue>; missing: string[] } {
    const values: Record<string, WireValue> = {};
    const missing: string[] = [];
    for (const key of keys) {
      const value = this.#values.get(key);
      if (value) values[key] = toWire(value);
      else missing.push(key);
    }
    return { values, missing };
  }
}

export function toWire(value: StoredValue): WireValue {
  return { body: value.body, frames: value.frames.map((f) => new OutOfBand(f)) };
}

/** `share`: copy large frames into SharedArrayBuffers so every task thread reads the same memory. */
export function fromWire(value: WireValue, share: boolean): StoredValue {
  const frames = value.frames.map((f) => f.bytes);
  return { body: value.body, frames: share ? shareLargeFrames(frames) : frames };
}

/**
 * Frames of at least 64 KiB not yet in a SharedArrayBuffer are copied into one (others are kept as they
 * are): handed to a task thread, such a frame is shared, not cloned, so the threads of a worker read one
 * copy. A task thread calls it on its large results, in place of the copy `postMessage` would make.
 */
export function shareLargeFrames(frames: Uint8Array[]): Uint8Array[] {
  return frames.map((bytes) => {
    if (bytes.byteLength < SHARE_FRAME_BYTES || bytes.buffer instanceof SharedArrayBuffer) return bytes;
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    shared.set(bytes);
    return shared;
  });
}
