/** Deeply nested values are refused by the walk, with a short message, before the stack can run out. */
import { describe, expect, it } from 'vitest';
import { SerializationError } from '../../src/errors/index.js';
import { decodeValue, encodeValue } from '../../src/serialize/value-codec.js';
import { MAX_NESTING_DEPTH } from '../../src/serialize/value-walk.js';

function chain(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 1; i < depth; i++) at = (at.n = {}) as Record<string, unknown>;
  return root;
}

describe('nesting depth', () => {
  it('refuses 3,000 levels after a refused cyclic value (this used to kill the process), and any deeper', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    // Warm the error path up, as the crash needed: regular expressions compiled with the stack nearly full.
    for (let i = 0; i < 50; i++) expect(() => encodeValue([cyclic], { argumentsOf: 'submit' })).toThrow(SerializationError);
    for (const depth of [3_000, 20_000, 200_000]) {
      const error = (() => {
        try {
          encodeValue([chain(depth)], { argumentsOf: 'submit' });
        } catch (e) {
          return e as Error;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(SerializationError);
      expect(error!.message).toMatch(new RegExp(`argument 1 of submit cannot be sent: value\\.n\\.n.*more levels.*is nested more than ${MAX_NESTING_DEPTH} levels deep.*Flatten`));
      expect(error!.message.length).toBeLessThan(600);
    }
  });

  it('sends values up to the limit unchanged', () => {
    const value = chain(MAX_NESTING_DEPTH);
    expect(decodeValue(encodeValue(value))).toEqual(value);
    expect(() => encodeValue([value])).toThrow(/nested more than/);
    const mixed: unknown[] = [];
    let at: unknown[] = mixed;
    for (let i = 1; i < MAX_NESTING_DEPTH; i++) at.push((at = [new Map([[i, i]])]));
    expect(() => encodeValue(new Set([mixed]))).toThrow(/nested more than/);
  });
});
