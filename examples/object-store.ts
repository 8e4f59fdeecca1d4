/**
 * The object store: an 800 MB Float64Array scattered once to every worker (broadcast), held there in a
 * SharedArrayBuffer that every task thread reads without copying; 8 tasks compute mean and standard
 * deviation of slices, checked against a local computation, and each worker's peak memory is printed.
 * It asks for 2 worker processes to show that each holds one copy; the default LocalCluster is one
 * process per node with a thread per core (`defaultWorkerSplit()`), so the node holds one copy in all.
 *
 * Run:  npm run build && node dist/examples/object-store.js [megabytes]   (default 800)
 */
import { Client, LocalCluster, defaultWorkerSplit, processesForCores } from 'flotilla';

const megabytes = Number(process.argv[2] ?? 800);
const length = Math.floor((megabytes * 1024 * 1024) / 8);

/** Mean and standard deviation of data[from, to). */
function moments(data: Float64Array, from: number, to: number): { n: number; sum: number; sumSq: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = from; i < to; i++) {
    const x = data[i]!;
    sum += x;
    sumSq += x * x;
  }
  return { n: to - from, sum, sumSq };
}

/** This worker process's peak resident memory, in bytes (VmHWM). */
async function peakRss(): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Number(kb) * 1024;
}

const split = defaultWorkerSplit();
console.log(`default split here: ${split.nWorkers} worker process × ${split.threadsPerWorker} threads (one copy per node); Dask would split 64 cores into ${processesForCores(64)} processes`);
const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 2 });
const client = await Client.connect(cluster);
try {
  const data = new Float64Array(length);
  for (let i = 0; i < length; i++) data[i] = Math.random() * 2 - 1 + (i % 7) * 0.25;
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  console.log(`array: ${mb(data.byteLength)}; workers before: ${Object.values(await client.run(peakRss)).map(mb).join(', ')}`);

  let started = performance.now();
  const [shared] = await client.scatter([data], { broadcast: true });
  const scatterSeconds = (performance.now() - started) / 1000;
  console.log(`broadcast to 2 workers in ${scatterSeconds.toFixed(2)} s (${((2 * data.byteLength) / 2 ** 30 / scatterSeconds).toFixed(2)} GiB/s)`);

  started = performance.now();
  const step = Math.ceil(length / 8);
  const parts = client.map(moments, Array(8).fill(shared), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => i * step), [1, 2, 3, 4, 5, 6, 7, 8].map((i) => Math.min(length, i * step)));
  const sums = await client.gather(parts);
  const n = sums.reduce((a, s) => a + s.n, 0);
  const mean = sums.reduce((a, s) => a + s.sum, 0) / n;
  const std = Math.sqrt(sums.reduce((a, s) => a + s.sumSq, 0) / n - mean * mean);
  const local = moments(data, 0, length);
  const localMean = local.sum / local.n;
  const localStd = Math.sqrt(local.sumSq / local.n - localMean * localMean);
  console.log(`8 tasks in ${((performance.now() - started) / 1000).toFixed(2)} s: mean ${mean.toFixed(6)} std ${std.toFixed(6)}; local: mean ${localMean.toFixed(6)} std ${localStd.toFixed(6)}`);
  if (Math.abs(mean - localMean) > 1e-9 || Math.abs(std - localStd) > 1e-9) throw new Error('distributed result differs from the local one');

  const peaks = await client.run(peakRss);
  for (const [worker, peak] of Object.entries(peaks)) {
    console.log(`${worker}: peak RSS ${mb(peak)} = ${(peak / data.byteLength).toFixed(2)} × the array`);
  }
} finally {
  await client.close();
  await cluster.close();
}
