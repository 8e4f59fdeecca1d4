import { describe, expect, it } from 'vitest';
import { benchCodec } from '../../src/serialize/bench.js';

describe('benchCodec', () => {
  it('reports finite, positive per-call times for every case', () => {
    const result = benchCodec({ callsPerRound: 200, rounds: 3 });
    expect(result.cases.map((c) => c.name)).toEqual(['[42]', "[{a: 1, b: 'x'}, [1, 2, 3]]", '[future, 3.5]']);
    for (const figure of [result.encodeMicros, result.decodeMicros, result.prepareFunctionCachedMicros, ...result.cases.flatMap((c) => [c.encodeMicros, c.decodeMicros])]) {
      expect(Number.isFinite(figure)).toBe(true);
      expect(figure).toBeGreaterThan(0);
    }
    const mean = result.cases.reduce((sum, c) => sum + c.encodeMicros, 0) / result.cases.length;
    expect(result.encodeMicros).toBeCloseTo(mean, 10);
  });
});
