/**
 * Workload 4: cluster start and idle cost.
 *
 * - Time from `new LocalCluster` until a connected client sees 2 workers (`new LocalCluster` +
 *   `Client.connect` + `waitForWorkers(2)`), repeated; the close time is kept as a secondary figure.
 *   This is `medianSeconds`, the figure with a Dask twin.
 * - The same for 1, 2, 4, 8 and 16 workers of 1 thread (`ready<N>Seconds`, best of the passes), next to
 *   the raw cost of starting processes: N bare `node` processes spawned at once until each has said it
 *   runs (`bareNode<N>Seconds`), in alternation, best of each; `ready<N>VsBareNode` is their quotient.
 * - What an idle worker costs: its resident memory once registered (median over the 16 workers,
 *   `idleWorkerRssMB`, goal ≤ 60 MB) and its CPU time from spawn to registered (`workerStartCpuMs`),
 *   each also as a quotient of a bare `node` process's (`…VsBareNode`).
 *
 * Linux only for the memory and CPU figures (it reads /proc); elsewhere they are left out.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client, LocalCluster } from '../../src/index.js';
import { closeBenchCluster, startBenchCluster } from '../flotilla-cluster.js';
import { RepetitionGate, remainingMs, withTimeLimit, type RepetitionLimits } from '../limits.js';
import { elapsedMs, median } from '../stats.js';
import type { Measurement } from '../workload-types.js';

/** Cluster sizes of the sweep. */
export const START_SIZES = [1, 2, 4, 8, 16] as const;
/** Passes of the sweep (flotilla and bare node alternating); the best of each is kept. */
const SWEEP_PASSES = 2;

export async function measureClusterStart(limits: RepetitionLimits, deadlineMs: number, cleanupNotes: string[]): Promise<Measurement> {
  const gate = new RepetitionGate(limits);
  const starts: number[] = [];
  const closes: number[] = [];
  while (gate.mayRepeat(starts.length)) {
    const start = performance.now();
    const bench = await startBenchCluster(remainingMs(deadlineMs));
    starts.push(elapsedMs(start) / 1000);
    const closing = performance.now();
    const note = await closeBenchCluster(bench);
    closes.push(elapsedMs(closing) / 1000);
    if (note) cleanupNotes.push(`sample ${starts.length}: ${note}`);
  }
  const sweep = await measureStartSweep(deadlineMs);
  return {
    metrics: { medianSeconds: median(starts), ...sweep.metrics },
    samples: starts,
    sampleUnit: 's',
    detail: { samples: starts.length, closeMedianSeconds: median(closes), sweep: sweep.detail },
  };
}

/** The 1…16-worker sweep with its bare-node baseline, and the idle worker's memory and start CPU. */
export async function measureStartSweep(deadlineMs: number): Promise<{ metrics: Record<string, number>; detail: Record<string, unknown> }> {
  const metrics: Record<string, number> = {};
  const passes: Record<string, { flotilla: number[]; bareNode: number[] }> = {};
  let idle: WorkerCost[] = [];
  let bare: WorkerCost | undefined;
  for (const n of START_SIZES) {
    const seen = (passes[n] = { flotilla: [] as number[], bareNode: [] as number[] });
    for (let pass = 0; pass < SWEEP_PASSES && performance.now() < deadlineMs; pass++) {
      const raw = await startBareNodes(n, remainingMs(deadlineMs));
      seen.bareNode.push(raw.seconds);
      if (n === 1) bare = bestCost(bare, raw.costs[0]);
      const ours = await startWorkers(n, remainingMs(deadlineMs));
      seen.flotilla.push(ours.seconds);
      if (n === START_SIZES.at(-1)) idle = ours.costs.length > idle.length ? ours.costs : idle;
    }
    if (seen.flotilla.length === 0) continue;
    metrics[`ready${n}Seconds`] = Math.min(...seen.flotilla);
    metrics[`bareNode${n}Seconds`] = Math.min(...seen.bareNode);
    metrics[`ready${n}VsBareNode`] = metrics[`ready${n}Seconds`]! / metrics[`bareNode${n}Seconds`]!;
  }
  const rss = idle.map((c) => c.rssBytes).filter(Number.isFinite);
  const cpu = idle.map((c) => c.cpuMs).filter(Number.isFinite);
  if (rss.length > 0) metrics.idleWorkerRssMB = median(rss) / 2 ** 20;
  if (cpu.length > 0) metrics.workerStartCpuMs = median(cpu);
  if (bare && Number.isFinite(bare.rssBytes) && metrics.idleWorkerRssMB !== undefined) {
    metrics.bareNodeRssMB = bare.rssBytes / 2 ** 20;
    metrics.idleWorkerRssVsBareNode = metrics.idleWorkerRssMB / metrics.bareNodeRssMB;
  }
  if (bare && Number.isFinite(bare.cpuMs) && bare.cpuMs > 0 && metrics.workerStartCpuMs !== undefined) {
    metrics.bareNodeCpuMs = bare.cpuMs;
    metrics.workerStartCpuVsBareNode = metrics.workerStartCpuMs / bare.cpuMs;
  }
  return { metrics, detail: { passes } };
}

/** A process's resident memory and CPU time (user + system) so far; NaN where /proc cannot be read. */
interface WorkerCost {
  rssBytes: number;
  cpuMs: number;
}

function costOf(pid: number | undefined): WorkerCost {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssBytes = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
    // Fields after the command name: state is field 3, utime and stime fields 14 and 15 (in clock ticks, 100/s on Linux).
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const stat = line.slice(line.lastIndexOf(')') + 2).split(' ');
    return { rssBytes, cpuMs: (Number(stat[11]) + Number(stat[12])) * 10 };
  } catch {
    return { rssBytes: NaN, cpuMs: NaN };
  }
}

function bestCost(a: WorkerCost | undefined, b: WorkerCost | undefined): WorkerCost | undefined {
  if (!a) return b;
  if (!b) return a;
  return { rssBytes: Math.min(a.rssBytes, b.rssBytes), cpuMs: Math.min(a.cpuMs, b.cpuMs) };
}

/** `n` workers of 1 thread: seconds until a client sees them all, and each one's cost once all are in. */
async function startWorkers(n: number, limitMs: number): Promise<{ seconds: number; costs: WorkerCost[] }> {
  const started = performance.now();
  const cluster = new LocalCluster({ nWorkers: n, threadsPerWorker: 1, dashboardAddress: false });
  let client: Client | undefined;
  try {
    client = await withTimeLimit(Client.connect(cluster, { timeoutMs: limitMs }), limitMs, `LocalCluster of ${n} workers`);
    await client.waitForWorkers(n, { timeoutMs: remainingMs(started + limitMs) });
    const seconds = elapsedMs(started) / 1000;
    return { seconds, costs: cluster.workerPids.map(costOf) };
  } finally {
    await client?.close();
    await cluster.close();
  }
}

/**
 * The raw side: `n` bare `node` processes spawned at once, each writing one line once it runs (and then
 * waiting to be told to exit, so its memory and CPU can be read); seconds until all have written.
 */
async function startBareNodes(n: number, limitMs: number): Promise<{ seconds: number; costs: WorkerCost[] }> {
  const started = performance.now();
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, ['-e', "process.stdout.write('up\\n'); process.stdin.on('data', () => process.exit(0)); process.stdin.on('end', () => process.exit(0));"], { stdio: ['pipe', 'pipe', 'inherit'] }));
  try {
    await withTimeLimit(Promise.all(children.map((child) => new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`a bare node process exited with ${code} before it ran`)));
    }))), limitMs, `${n} bare node processes`);
    const seconds = elapsedMs(started) / 1000;
    return { seconds, costs: children.map((child) => costOf(child.pid)) };
  } finally {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end('bye\n');
    })));
  }
}
