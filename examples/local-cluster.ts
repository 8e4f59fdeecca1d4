/**
 * Monte Carlo estimate of π on a LocalCluster: 64 independent chunks of 1.25 million samples each,
 * reduced with a dependent task, with live progress as chunks complete.
 *
 * Run:  npm run example            (processes: worker processes on this machine, the default)
 *       FLOTILLA_MODE=threads npm run example   (scheduler and workers inside this process)
 *       FLOTILLA_MODE=sync npm run example      (each task runs at once in the caller, for debugging)
 */
import { Client, asCompleted } from 'flotilla';

/** One chunk: count samples inside the unit quarter circle, with a seeded xorshift generator. */
function countInside(seed: number, samples: number): number {
  let state = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = next();
    const y = next();
    if (x * x + y * y <= 1) inside++;
  }
  return inside;
}

/** The reduction: π ≈ 4 · inside / total. */
function estimatePi(counts: number[], samplesPerChunk: number): number {
  const inside = counts.reduce((sum, c) => sum + c, 0);
  return (4 * inside) / (counts.length * samplesPerChunk);
}

const chunks = 64;
const samplesPerChunk = 1_250_000;
const started = performance.now();
const client = await Client.connect({ nWorkers: 2, threadsPerWorker: 1 });
try {
  console.log(`connected to ${client.schedulerAddress} with ${client.workerCount} worker(s)`);
  const seeds = Array.from({ length: chunks }, (_, i) => i + 1);
  const counts = client.map(countInside, seeds, seeds.map(() => samplesPerChunk));
  let done = 0;
  for await (const _ of asCompleted(counts)) {
    done++;
    if (done % 16 === 0 || done === chunks) console.log(`progress: ${done}/${chunks} chunks done`);
  }
  const pi = await client.submit(estimatePi, counts, samplesPerChunk);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(`pi ≈ ${pi.toFixed(6)} from ${(chunks * samplesPerChunk).toLocaleString('en-US')} samples (error ${Math.abs(pi - Math.PI).toExponential(2)}) in ${seconds} s`);
} finally {
  await client.close();
}
