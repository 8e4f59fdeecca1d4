/**
 * One computation, two places to run it, no change to the code: ∫₀¹ 4/(1+x²) dx = π by Simpson's rule,
 * split into 32 sub-intervals that are integrated on the workers and summed by a dependent task.
 *
 * `Client.connect()` with no arguments decides where it runs:
 * - inside `flotilla submit`, which sets FLOTILLA_SCHEDULER_ADDRESS, it joins the scheduler and the
 *   workers started in the SLURM allocation;
 * - anywhere else it starts a LocalCluster on this machine (and stops it again on `client.close()`).
 *
 * Run (after `npm run build`; the compiled file is dist/examples/submit-allocation.js):
 *   node dist/examples/submit-allocation.js                                   # on a LocalCluster
 *   flotilla submit -N 1 -- node dist/examples/submit-allocation.js           # in a SLURM allocation
 *   flotilla submit -N 1 -- node dist/examples/submit-allocation.js --fail    # exits with 3 on purpose
 *
 * With `--fail` the example still computes and prints its result, then exits with code 3, to show that
 * `flotilla submit` exits with the command's exit code. Any other argument is refused with exit code 2.
 */
import { Client } from 'flotilla';

/** The exit code of a run with `--fail`. */
const FAIL_EXIT_CODE = 3;
/** How many pieces [0, 1] is cut into: one task each. */
const SUB_INTERVALS = 32;
/** Simpson panels per piece (must be even): 32 × 256 panels give an error near 1e-15. */
const PANELS_PER_PIECE = 256;

/**
 * Composite Simpson's rule for 4/(1+x²) over [a, b] with `panels` (even) panels.
 *
 * Functions given to `submit`/`map` travel to the workers as source text, so everything this one uses is
 * defined inside it or passed as an argument: it may not read variables of the surrounding module.
 */
function simpsonPiece(a: number, b: number, panels: number): number {
  const f = (x: number): number => 4 / (1 + x * x);
  const h = (b - a) / panels;
  let sum = f(a) + f(b);
  for (let i = 1; i < panels; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

/** The reduction, run on a worker once every piece is done. */
function total(pieces: number[]): number {
  return pieces.reduce((sum, piece) => sum + piece, 0);
}

function parseArguments(args: readonly string[]): { fail: boolean } {
  const unknown = args.filter((arg) => arg !== '--fail');
  if (unknown.length > 0) {
    console.error(`submit-allocation: unknown argument(s) ${unknown.map((a) => JSON.stringify(a)).join(', ')}; the only option is --fail (exit with ${FAIL_EXIT_CODE} after computing).`);
    process.exit(2);
  }
  return { fail: args.includes('--fail') };
}

const { fail } = parseArguments(process.argv.slice(2));
const inAllocation = process.env['FLOTILLA_SCHEDULER_ADDRESS'] !== undefined && process.env['FLOTILLA_SCHEDULER_ADDRESS'] !== '';
const started = performance.now();
const client = await Client.connect();
try {
  const where = inAllocation ? `the allocation's scheduler (SLURM job ${process.env['SLURM_JOB_ID'] ?? '?'})` : 'a LocalCluster started by this script';
  console.log(`connected to ${client.schedulerAddress}: ${where}, ${client.workerCount} worker(s)`);

  const starts = Array.from({ length: SUB_INTERVALS }, (_, i) => i / SUB_INTERVALS);
  const ends = starts.map((_, i) => (i + 1) / SUB_INTERVALS);
  const pieces = client.map(simpsonPiece, starts, ends, starts.map(() => PANELS_PER_PIECE));
  const pi = await client.submit(total, pieces);

  const { workers } = await client.schedulerInfo();
  const names = workers.map((worker) => worker.name).sort();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(`workers: ${names.join(', ')}`);
  console.log(`integral of 4/(1+x^2) over [0, 1] with ${SUB_INTERVALS} sub-intervals: ${pi.toFixed(15)} (error ${Math.abs(pi - Math.PI).toExponential(1)}) in ${seconds} s`);
} finally {
  await client.close();
}
if (fail) {
  console.log(`--fail: exiting with code ${FAIL_EXIT_CODE} on purpose`);
  process.exitCode = FAIL_EXIT_CODE;
}
