/**
 * `--only=dependentsDrain`: a gated root with N dependents of about 1 ms of CPU each, on the bench cluster
 * (2 workers × 1 thread). Once the root is released, how fast do the dependents drain, against what the
 * cluster's threads allow (threads × 1000 / task ms per second)? Early assignment that ignored capacity
 * sent every dependent to the root's worker and drained at a fraction of that.
 *
 * On a shared machine the cores are not the cluster's alone, so the same run also measures what they
 * allow right now, with no flotilla at all: as many plain Node processes as the cluster has threads,
 * each spinning its share of the tasks. Raw and flotilla alternate and the best of each counts; the
 * figure is flotilla's drain rate over the raw rate (the ideal rate of idle cores is printed too).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '../../src/index.js';
import { BENCH_CLUSTER, waitUntilSchedulerIdle, withBenchCluster } from '../flotilla-cluster.js';
import { remainingMs } from '../limits.js';
import { median } from '../stats.js';

export interface DependentsDrainOptions {
  /** Dependents of the root. @defaultValue 10_000 */
  dependents?: number;
  /** CPU time of each dependent, in milliseconds. @defaultValue 1 */
  taskMs?: number;
  /** Timed drains (the best counts). @defaultValue 2 */
  repetitions?: number;
}

/** What one drain measured. */
interface Drain {
  perSecond: number;
  /** The smallest share of the dependents any one worker ran (0.5 is an even split over 2). */
  smallestShare: number;
}

/** Holds its thread until the file at `path` exists (at most 60 s). */
const holdUntilFile = async (path: string): Promise<number> => {
  const fs = await import('node:fs');
  for (let i = 0; i < 12_000 && !fs.existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  return 0;
};

/** Spins for `ms` milliseconds of CPU and returns the pid of the worker that ran it. */
const spin = (_root: number, ms: number, _index: number): number => {
  const end = performance.now() + ms;
  while (performance.now() < end);
  return process.pid;
};

/** A plain Node process that spins `count` × `ms` once told to go (a line on stdin), then says done. */
const SPINNER = `
  const [count, ms] = process.argv.slice(1).map(Number);
  process.stdin.once('data', () => {
    for (let i = 0; i < count; i++) { const end = performance.now() + ms; while (performance.now() < end); }
    process.stdout.write('done\\n');
    process.exit(0);
  });
  process.stdin.once('end', () => process.exit(0));
  process.stdout.write('ready\\n');
`;

/**
 * The raw rate: `processes` plain Node processes spin `n` tasks of `taskMs` between them; tasks per second.
 * Each runs in its own session, as the cluster's workers do, so the kernel shares the cores between them
 * the same way (with autogroup scheduling, a session is a group).
 */
async function rawSpinRate(processes: number, n: number, taskMs: number, limitMs: number): Promise<number> {
  const children = Array.from({ length: processes }, (_, i) =>
    spawn(process.execPath, ['-e', SPINNER, String(Math.floor(n / processes) + (i < n % processes ? 1 : 0)), String(taskMs)], { stdio: ['pipe', 'pipe', 'inherit'], detached: true }));
  const line = (child: (typeof children)[number], text: string) =>
    new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`a raw spinner did not say ${text} within ${limitMs} ms`)), limitMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        if (!seen.includes(text)) {
          clearTimeout(timer);
          reject(new Error(`a raw spinner exited (${code}) before saying ${text}`));
        }
      });
    });
  try {
    await Promise.all(children.map((c) => line(c, 'ready')));
    const start = performance.now();
    const done = Promise.all(children.map((c) => line(c, 'done')));
    for (const child of children) child.stdin!.write('go\n');
    await done;
    return n / ((performance.now() - start) / 1000);
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

async function drainOnce(client: Client, n: number, taskMs: number, repetition: number, deadlineMs: number): Promise<Drain> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-drain-'));
  const gate = join(dir, `gate-${repetition}`);
  const root = client.submit(holdUntilFile, gate);
  const dependents = client.map(spin, Array.from({ length: n }, () => root), Array.from({ length: n }, () => taskMs), Array.from({ length: n }, (_, i) => i + repetition * n));
  try {
    // The gate opens once the scheduler has every dependent, so all of them wait on a running root.
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const { tasks } = await client.schedulerInfo();
      if ((tasks.waiting ?? 0) + (tasks.processing ?? 0) >= n + 1) break;
      if (performance.now() > deadlineMs) throw new Error('the dependents never all reached the scheduler');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    writeFileSync(gate, '');
    await root.result({ timeoutMs: remainingMs(deadlineMs) });
    const start = performance.now();
    const pids = await client.gather(dependents);
    const seconds = (performance.now() - start) / 1000;
    const counts = new Map<number, number>();
    for (const pid of pids) counts.set(pid, (counts.get(pid) ?? 0) + 1);
    const smallest = counts.size < BENCH_CLUSTER.nWorkers ? 0 : Math.min(...counts.values());
    return { perSecond: n / seconds, smallestShare: smallest / n };
  } finally {
    root.release();
    for (const future of dependents) future.release();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the drain `repetitions` times on a fresh bench cluster; the best drain is the figure. */
export async function benchDependentsDrain(options: DependentsDrainOptions = {}): Promise<Record<string, number>> {
  const n = options.dependents ?? 10_000;
  const taskMs = options.taskMs ?? 1;
  const repetitions = options.repetitions ?? 2;
  const threads = BENCH_CLUSTER.nWorkers * BENCH_CLUSTER.threadsPerWorker;
  const idealPerSecond = (threads * 1000) / taskMs;
  const raw: number[] = [];
  const { value: drains } = await withBenchCluster(240_000, async ({ client }, deadlineMs) => {
    const out: Drain[] = [];
    for (let rep = 0; rep < repetitions; rep++) {
      raw.push(await rawSpinRate(threads, n, taskMs, remainingMs(deadlineMs)));
      out.push(await drainOnce(client, n, taskMs, rep, deadlineMs));
      await waitUntilSchedulerIdle(client);
    }
    return out;
  });
  const best = drains.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const rawPerSecond = Math.max(...raw);
  return {
    dependents: n,
    taskMs,
    drainPerSecond: best.perSecond,
    medianDrainPerSecond: median(drains.map((d) => d.perSecond)),
    rawPerSecond,
    fractionOfRaw: best.perSecond / rawPerSecond,
    idealPerSecond,
    fractionOfIdeal: best.perSecond / idealPerSecond,
    goalFraction: 0.9,
    smallestWorkerShare: best.smallestShare,
  };
}
