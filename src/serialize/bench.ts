/**
 * Micro-benchmarks of the serialize layer, for the team's bench runner (`npm run bench`).
 *
 * Each figure is the median over several rounds of the mean time per call within a round, so one
 * noisy round on the shared machine does not move it.
 */
import { prepareFunction } from './function-source.js';
import { decodeValue, encodeValue, type EncodedValue } from './value-codec.js';

/** One measured payload. */
export interface CodecBenchCase {
  /** What was encoded, e.g. `[42]`. */
  name: string;
  /** Median µs per `encodeValue` call. */
  encodeMicros: number;
  /** Median µs per `decodeValue` call. */
  decodeMicros: number;
}

/** Result of {@link benchCodec}. */
export interface CodecBenchResult {
  /** Mean over {@link CodecBenchResult.cases} of the median µs per `encodeValue` call. */
  encodeMicros: number;
  /** Mean over {@link CodecBenchResult.cases} of the median µs per `decodeValue` call. */
  decodeMicros: number;
  /** The small argument lists that make up the two figures above. */
  cases: CodecBenchCase[];
  /** Median µs of `prepareFunction` for a function object already seen (the per-submit cost). */
  prepareFunctionCachedMicros: number;
}

/** Options of {@link benchCodec}. */
export interface CodecBenchOptions {
  /** Calls per round. @defaultValue 20000 */
  callsPerRound?: number;
  /** Rounds; the median round is reported. @defaultValue 7 */
  rounds?: number;
}

class Placeholder {
  constructor(readonly key: string) {}
}

const CASES: { name: string; value: unknown }[] = [
  { name: '[42]', value: [42] },
  { name: "[{a: 1, b: 'x'}, [1, 2, 3]]", value: [{ a: 1, b: 'x' }, [1, 2, 3]] },
  { name: '[future, 3.5]', value: [new Placeholder('inc-0123456789abcdef'), 3.5] },
];

const externalRef = (value: object): string | undefined => (value instanceof Placeholder ? value.key : undefined);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median over rounds of the mean µs per call of `run`. */
function measure(run: () => void, callsPerRound: number, rounds: number): number {
  for (let i = 0; i < callsPerRound; i++) run(); // warm up (JIT)
  const perRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < callsPerRound; i++) run();
    perRound.push(Number(process.hrtime.bigint() - start) / 1000 / callsPerRound);
  }
  return median(perRound);
}

/** Measures encode and decode of small argument lists, and a cached `prepareFunction`. */
export function benchCodec(options: CodecBenchOptions = {}): CodecBenchResult {
  const callsPerRound = options.callsPerRound ?? 20_000;
  const rounds = options.rounds ?? 7;
  const cases: CodecBenchCase[] = CASES.map(({ name, value }) => {
    const encoded: EncodedValue = encodeValue(value, { externalRef, label: 'argument of bench' });
    const encodeMicros = measure(() => encodeValue(value, { externalRef, label: 'argument of bench' }), callsPerRound, rounds);
    const decodeMicros = measure(() => decodeValue(encoded, { resolveRef: (key) => key }), callsPerRound, rounds);
    return { name, encodeMicros, decodeMicros };
  });
  const task = (x: number): number => x + 1;
  prepareFunction(task);
  const prepareFunctionCachedMicros = measure(() => prepareFunction(task), callsPerRound, rounds);
  const mean = (pick: (c: CodecBenchCase) => number): number => cases.reduce((sum, c) => sum + pick(c), 0) / cases.length;
  return {
    encodeMicros: mean((c) => c.encodeMicros),
    decodeMicros: mean((c) => c.decodeMicros),
    cases,
    prepareFunctionCachedMicros,
  };
}
