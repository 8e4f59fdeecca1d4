import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/client/task-preparation.js';
import { encodeValue } from '../../src/serialize/value-codec.js';

/** The key hash as every earlier version computed it: the function's hash, the body, then each frame. */
function chainHash(fnHash: string, body: Uint8Array, frames: readonly Uint8Array[]): string {
  const hash = createHash('sha1').update(fnHash).update(body);
  for (const frame of frames) hash.update(frame);
  return hash.digest('hex').slice(0, 32);
}

describe('pure task keys', () => {
  const fnHash = '0123456789abcdef0123456789abcdef';

  it('hash small arguments in one shot to the same key as the hashing chain', () => {
    const encoded = encodeValue([41, 'x', { deep: [1, 2] }], { label: 'test arguments' });
    expect(encoded.frames).toHaveLength(0);
    expect(tokenize(fnHash, encoded)).toBe(chainHash(fnHash, encoded.body, encoded.frames));
  });

  it('hash large arguments and binary frames through the chain, and different arguments to different keys', () => {
    const big = encodeValue(['y'.repeat(100_000)], { label: 'test arguments' });
    const framed = encodeValue([new Float64Array(1000).fill(1.5)], { label: 'test arguments' });
    expect(framed.frames.length).toBeGreaterThan(0);
    expect(tokenize(fnHash, big)).toBe(chainHash(fnHash, big.body, big.frames));
    expect(tokenize(fnHash, framed)).toBe(chainHash(fnHash, framed.body, framed.frames));
    const other = encodeValue([42, 'x', { deep: [1, 2] }], { label: 'test arguments' });
    expect(tokenize(fnHash, other)).not.toBe(tokenize(fnHash, encodeValue([41, 'x', { deep: [1, 2] }], { label: 'test arguments' })));
  });
});
