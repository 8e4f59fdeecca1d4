/**
 * Shared pieces of the chaos suite: a seeded random generator (so a failing run can be replayed with
 * FLOTILLA_CHAOS_SEED) and the figures each test measured, printed, and appended as a JSON line to
 * the file named by FLOTILLA_CHAOS_FIGURES when set.
 */
import { appendFileSync } from 'node:fs';

/** mulberry32: a small, fast generator of floats in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prints one test's figures (and appends them to FLOTILLA_CHAOS_FIGURES when set). */
export function report(test: string, figures: Record<string, number | string | boolean>): void {
  const line = JSON.stringify({ test, ...figures });
  process.stdout.write(`chaos figures: ${line}\n`);
  const file = process.env.FLOTILLA_CHAOS_FIGURES;
  if (file !== undefined && file !== '') appendFileSync(file, `${line}\n`);
}
