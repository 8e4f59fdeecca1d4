/**
 * Shared pieces of the chaos suite: a seeded random generator (the multiprocessing tests' mulberry32,
 * so a failing run can be replayed with FLOTILLA_CHAOS_SEED) and the figures each test measured, printed, and appended as a JSON line to
 * the file named by FLOTILLA_CHAOS_FIGURES when set.
 */
import { appendFileSync } from 'node:fs';

export { seededRandom } from '../multiprocessing/helpers/shuffled-client.js';

/** Prints one test's figures (and appends them to FLOTILLA_CHAOS_FIGURES when set). */
export function report(test: string, figures: Record<string, number | string | boolean>): void {
  const line = JSON.stringify({ test, ...figures });
  process.stdout.write(`chaos figures: ${line}\n`);
  const file = process.env.FLOTILLA_CHAOS_FIGURES;
  if (file !== undefined && file !== '') appendFileSync(file, `${line}\n`);
}
