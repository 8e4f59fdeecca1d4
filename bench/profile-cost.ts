/**
 * What the statistical profiler costs: the same CPU-bound map on two LocalClusters of 1 worker × 1
 * thread, one sampling its task thread every `--interval` ms and one not (`profileIntervalMs: 0`),
 * run alternately, best of each, in wall time and in CPU time of the worker process (all its threads,
 * the profiler's included; far steadier than wall time on a loaded machine). Prints the ratios
 * on ÷ off and the load average.
 *
 *   node dist/bench/profile-cost.js [--rounds=7] [--tasks=24] [--interval=10]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client, LocalCluster } from '../src/index.js';

function arg(name: string, fallback: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return raw === undefined ? fallback : Number(raw);
}

/** About 40 ms of arithmetic on an idle core, in a helper function. */
function crunch(seed: number): number {
  function mix(n: number): number {
    let x = seed;
    for (let i = 0; i < n; i++) x = (x * 31 + i) % 1_000_003;
    return x;
  }
  return mix(8_000_000);
}

/** User + system CPU time of a process so far, in milliseconds (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function timeMap(client: Client, pid: number, tasks: number, round: number): Promise<{ wall: number; cpu: number }> {
  const cpu = cpuMs(pid);
  const started = performance.now();
  await client.gather(client.map(crunch, Array.from({ length: tasks }, (_, i) => round * 1000 + i)));
  return { wall: performance.now() - started, cpu: cpuMs(pid) - cpu };
}

const rounds = arg('rounds', 7);
const tasks = arg('tasks', 24);
const interval = arg('interval', 10);
const on = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, profileIntervalMs: interval, dashboardAddress: false });
const off = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, profileIntervalMs: 0, dashboardAddress: false });
const clients = { on: await Client.connect(on), off: await Client.connect(off) };
try {
  await Promise.all([clients.on.waitForWorkers(1), clients.off.waitForWorkers(1)]);
  const pids = {
    on: (await clients.on.schedulerInfo()).workers[0]!.pid,
    off: (await clients.off.schedulerInfo()).workers[0]!.pid,
  };
  const best = { on: { wall: Infinity, cpu: Infinity }, off: { wall: Infinity, cpu: Infinity } };
  // One warm-up each (function shipped, code optimised), then alternate which goes first.
  await timeMap(clients.on, pids.on, 4, 0);
  await timeMap(clients.off, pids.off, 4, 0);
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    for (const which of order) {
      const took = await timeMap(clients[which], pids[which], tasks, round);
      best[which] = { wall: Math.min(best[which].wall, took.wall), cpu: Math.min(best[which].cpu, took.cpu) };
    }
  }
  const profile = await clients.on.profile();
  const ratio = (a: number, b: number) => Number((a / b).toFixed(4));
  console.log(JSON.stringify({
    tasks, rounds, intervalMs: interval,
    bestWallOnMs: Math.round(best.on.wall), bestWallOffMs: Math.round(best.off.wall), wallOnOverOff: ratio(best.on.wall, best.off.wall),
    bestCpuOnMs: Math.round(best.on.cpu), bestCpuOffMs: Math.round(best.off.cpu), cpuOnOverOff: ratio(best.on.cpu, best.off.cpu),
    samplesTaken: profile.count, loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  }));
} finally {
  await clients.on.close();
  await clients.off.close();
  await on.close();
  await off.close();
}
