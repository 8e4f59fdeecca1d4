/** Medium message bodies travel as copied pieces of at most 128 bytes, and come back whole; bad splits are refused. */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors/index.js';
import { Reassembler } from '../../src/transport/chunking.js';
import { COPIED_FRAME_BYTES, joinBody, SPLIT_BODY_MAX_BYTES, splitBody } from '../../src/transport/small-frames.js';

const bytes = (n: number, seed = 1): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

describe('splitBody and joinBody', () => {
  it('leaves small and large bodies alone', () => {
    for (const n of [0, 1, COPIED_FRAME_BYTES, SPLIT_BODY_MAX_BYTES + 1, 100_000]) {
      const frames = [bytes(n), bytes(10, 3)];
      expect(splitBody(frames)).toBe(frames);
      expect(joinBody(frames)).toBe(frames);
    }
  });

  it('splits a medium body into full pieces and a rest, keeps the other frames, and joins it back', () => {
    for (const n of [COPIED_FRAME_BYTES + 1, 200, 2 * COPIED_FRAME_BYTES, SPLIT_BODY_MAX_BYTES]) {
      const body = bytes(n);
      const other = bytes(5_000, 9);
      const split = splitBody([body, other]);
      const pieces = Math.ceil(n / COPIED_FRAME_BYTES);
      expect(split).toHaveLength(2 + pieces);
      expect(split.slice(1, -1).every((piece) => piece.byteLength <= COPIED_FRAME_BYTES)).toBe(true);
      expect(split.at(-1)).toBe(other);
      const joined = joinBody(split);
      expect(Buffer.from(joined[0]!).equals(body)).toBe(true);
      expect(joined.slice(1)).toEqual([other]);
    }
  });

  it('is undone by the reassembler that every socket receives through', () => {
    const body = bytes(300);
    const frames = new Reassembler().accept(splitBody([body]));
    expect(frames).toHaveLength(1);
    expect(Buffer.from(frames![0]!).equals(body)).toBe(true);
  });

  it('refuses a split whose pieces are missing, empty, too large or short in the middle', () => {
    const good = splitBody([bytes(300)]);
    expect(() => joinBody(good.slice(0, 2))).toThrow(ProtocolError);
    expect(() => joinBody(good.slice(0, 2))).toThrow(/3 pieces but only 1 frames followed/);
    expect(() => joinBody([good[0]!, good[1]!, bytes(0), good[3]!])).toThrow(/piece 2 .* has 0 bytes/);
    expect(() => joinBody([good[0]!, bytes(129), good[2]!, good[3]!])).toThrow(/piece 1 .* has 129 bytes/);
    expect(() => joinBody([good[0]!, bytes(100), good[2]!, good[3]!])).toThrow(/piece 1 .* has 100 bytes/);
    const tooMany = Buffer.from(good[0]!);
    tooMany[4] = 200;
    expect(() => joinBody([tooMany, ...good.slice(1)])).toThrow(/200 pieces but 2 to 8 are allowed/);
  });
});
