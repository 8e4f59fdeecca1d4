/**
 * One copy per node: the design notes' object-store workload (an array broadcast to the workers, then 8
 * mean/std tasks over slices) on the default LocalCluster, measured as the whole node's added memory:
 * the peak resident memory each process reached during the workload, above what it held before (this
 * process, which runs the scheduler, counted without the array the user built), summed over this
 * process and every worker process, divided by the array's size. The target is ≤ 1.1.
 *
 * Linux only: it reads `/proc/<pid>/status` and resets peaks through `/proc/<pid>/clear_refs`.
 *
 * Run by hand: `npm run build && node dist/bench/node-copies.js [megabytes]` (default 800), or through
 * the bench runner as `--only=nodeCopies`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Client, LocalCluster, type LocalClusterOptions } from '../src/index.js';

const MB = 1024 * 1024;

/** VmRSS and VmHWM (peak) of a process, in bytes. */
export function residentBytes(pid: number | 'self'): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** Resets a process's peak resident memory to its current one (Linux `clear_refs` value 5). */
export function resetPeak(pid: number | 'self'): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** Mean and variance parts of data[from, to): what each task returns. */
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

export interface NodeCopies {
  megabytes: number;
  workers: number;
  threadsPerWorker: number;
  /** Summed peak added memory of this process and every worker, ÷ the array's size (target ≤ 1.1). */
  nodeAddedPeakRatio: number;
  /** The same with the memory held once the tasks are done (not peaks). */
  nodeAddedHeldRatio: number;
  /** This process (client and scheduler) alone: peak added ÷ the array. */
  clientAddedPeakRatio: number;
  /** The worker with the largest peak added memory ÷ the array. */
  workerAddedPeakRatioMax: number;
  broadcastSeconds: number;
}

/**
 * Broadcasts a `megabytes` Float64Array on a LocalCluster built with `cluster` (default: the default
 * split), runs 8 mean/std tasks, checks them against a local computation, and returns the node's added
 * memory as ratios to the array.
 */
export async function benchNodeCopies(options: { megabytes?: number; cluster?: LocalClusterOptions } = {}): Promise<NodeCopies> {
  const megabytes = options.megabytes ?? 800;
  const length = Math.floor((megabytes * MB) / 8);
  const cluster = new LocalCluster({ dashboardAddress: false, ...options.cluster });
  const client = await Client.connect(cluster);
  try {
    const threads = (await client.schedulerInfo()).workers.map((w) => w.nthreads);
    const data = new Float64Array(length);
    for (let i = 0; i < length; i++) data[i] = Math.sin(i) + (i % 7) * 0.25;
    const pids = cluster.workerPids;
    const before = new Map<number | 'self', number>();
    for (const pid of ['self' as const, ...pids]) {
      resetPeak(pid);
      before.set(pid, residentBytes(pid).rss);
    }
    const started = performance.now();
    const [shared] = await client.scatter([data], { broadcast: true });
    const broadcastSeconds = (performance.now() - started) / 1000;
    const step = Math.ceil(length / 8);
    const starts = Array.from({ length: 8 }, (_, i) => i * step);
    const parts = client.map(moments, Array(8).fill(shared), starts, starts.map((s) => Math.min(length, s + step)));
    const sums = await client.gather(parts);
    const local = moments(data, 0, length);
    const n = sums.reduce((a, s) => a + s.n, 0);
    const sum = sums.reduce((a, s) => a + s.sum, 0);
    if (n !== local.n || Math.abs(sum - local.sum) > 1e-6 * Math.abs(local.sum)) throw new Error(`distributed moments differ from the local ones: ${sum} vs ${local.sum}`);
    const added = (pid: number | 'self') => {
      const now = residentBytes(pid);
      return { peak: Math.max(0, now.peak - before.get(pid)!), held: Math.max(0, now.rss - before.get(pid)!) };
    };
    const client_ = added('self');
    const workers = pids.map(added);
    const total = (key: 'peak' | 'held') => client_[key] + workers.reduce((a, w) => a + w[key], 0);
    return {
      megabytes,
      workers: pids.length,
      threadsPerWorker: threads[0] ?? 0,
      nodeAddedPeakRatio: total('peak') / data.byteLength,
      nodeAddedHeldRatio: total('held') / data.byteLength,
      clientAddedPeakRatio: client_.peak / data.byteLength,
      workerAddedPeakRatioMax: Math.max(0, ...workers.map((w) => w.peak)) / data.byteLength,
      broadcastSeconds,
    };
  } finally {
    await client.close();
    await cluster.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchNodeCopies({ megabytes: Number(process.argv[2] ?? 800) });
  console.log(
    `${figures.megabytes} MB broadcast on the default LocalCluster (${figures.workers} worker × ${figures.threadsPerWorker} threads): ` +
      `node added peak ${figures.nodeAddedPeakRatio.toFixed(3)} × the array (target ≤ 1.1), held ${figures.nodeAddedHeldRatio.toFixed(3)} ×; ` +
      `client+scheduler peak ${figures.clientAddedPeakRatio.toFixed(3)} ×, worker peak ${figures.workerAddedPeakRatioMax.toFixed(3)} ×; broadcast ${figures.broadcastSeconds.toFixed(2)} s`,
  );
}
