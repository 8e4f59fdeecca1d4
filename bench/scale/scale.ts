/**
 * `node dist/bench/run.js --scale[=N]`: a gated root with N dependents (default 1,000,000) on a
 * LocalCluster of 2 workers × 1 thread, run by hand (not in CI). The scheduler runs in its own process
 * (host.ts), so its heap and its event loop are measured alone; the client is this process, connected
 * over the cluster's socket.
 *
 * Phases: submit (map returns, then the scheduler holds every task), the gate opens and every result is
 * checked (drain), every future is released (release); then a second graph of N is submitted and its N
 * futures cancelled at once (cancel). Printed: submit time, the longest turn of the scheduler's event
 * loop per phase (and the client's), heap bytes per pending task in the scheduler, drain rate, release and
 * cancel times, and the peak RSS of every process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CancelledError, Client, type Future } from '../../src/index.js';
import type { HostReply, HostRequest } from './host-protocol.js';

/** Everything one `--scale` run measured. */
export interface ScaleReport {
  tasks: number;
  loadAverage: number[];
  mapReturnSeconds: number;
  submitSeconds: number;
  bytesPerPendingTask: number;
  drainSeconds: number;
  drainPerSecond: number;
  releaseSeconds: number;
  cancelSeconds: number;
  /** Promise.allSettled over the cancelled futures, after the cancel: the promises and errors, per future. */
  awaitEachCancelledSeconds: number;
  totalSeconds: number;
  longestSchedulerBlockMs: Record<string, number>;
  longestSchedulerGcMs: Record<string, number>;
  longestClientBlockMs: Record<string, number>;
  schedulerSlices: unknown;
  peakRssMb: Record<string, number>;
  wrongResults: number;
}

class Host {
  readonly child: ChildProcess;
  #waiters: Array<{ op: string; resolve: (reply: HostReply) => void }> = [];

  constructor() {
    const script = fileURLToPath(new URL('./host.js', import.meta.url));
    this.child = fork(script, [], { execArgv: ['--expose-gc', ...(process.env.SCALE_HOST_NODE_OPTIONS ?? '').split(' ').filter(Boolean)], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (reply: HostReply) => {
      const i = this.#waiters.findIndex((w) => w.op === reply.op);
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(reply);
    });
  }

  next<Op extends HostReply['op']>(op: Op): Promise<Extract<HostReply, { op: Op }>> {
    return new Promise((resolve) => this.#waiters.push({ op, resolve: resolve as (reply: HostReply) => void }));
  }

  ask<Op extends HostRequest['op'] & HostReply['op']>(op: Op): Promise<Extract<HostReply, { op: Op }>> {
    const reply = this.next(op);
    this.child.send({ op } satisfies HostRequest);
    return reply;
  }

  /** Polls until the scheduler holds `n` tasks in `state`; a bounded wait (10 minutes). */
  async untilState(state: string, n: number, deadlineMs = 600_000): Promise<void> {
    const deadline = performance.now() + deadlineMs;
    while (performance.now() < deadline) {
      const now = await this.ask('tasks');
      // The scheduler keeps its counts by state as tasks move (no pass over the tasks): asked once idle.
      if (now.idle && (await this.ask('counts')).counts[state] === n) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the scheduler did not hold ${n} ${state} tasks within ${deadlineMs} ms: ${JSON.stringify(await this.ask('counts'))}`);
  }

  /** Polls until the scheduler holds exactly `n` tasks; a bounded wait (10 minutes). */
  async untilTasks(n: number, deadlineMs = 600_000): Promise<void> {
    const deadline = performance.now() + deadlineMs;
    for (let i = 0; performance.now() < deadline; i++) {
      if ((await this.ask('tasks')).tasks === n) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the scheduler did not reach ${n} tasks within ${deadlineMs} ms: ${JSON.stringify(await this.ask('tasks'))}`);
  }
}

function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : NaN;
  } catch {
    return NaN; // not Linux, or the process is gone
  }
}

/** The gated root: returns 1 once `path` exists (checked every 5 ms, for at most 10 minutes). Also the chaos suite's gate. */
export async function gate(path: string): Promise<number> {
  const { access } = await import('node:fs/promises');
  for (let i = 0; i < 120_000; i++) {
    try {
      await access(path);
      return 1;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  throw new Error(`gate ${path} never opened`);
}

function* repeat<T>(value: T, n: number): Generator<T> {
  for (let i = 0; i < n; i++) yield value;
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

export async function runScaleBench(n: number, log: (line: string) => void): Promise<ScaleReport> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-scale-'));
  const host = new Host();
  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  const schedulerBlocks: Record<string, number> = {};
  const clientBlocks: Record<string, number> = {};
  const schedulerGc: Record<string, number> = {};
  let client: Client | undefined;
  const phase = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    await host.ask('delay-reset');
    clientDelay.reset();
    const value = await body();
    const delay = await host.ask('delay');
    schedulerBlocks[name] = Math.round(delay.maxMs);
    schedulerGc[name] = Math.round(delay.longestGcMs);
    clientBlocks[name] = Math.round(clientDelay.max / 1e6);
    log(`  ${name}: longest scheduler block ${schedulerBlocks[name]} ms (longest GC pause ${schedulerGc[name]} ms, by kind ${JSON.stringify(delay.gcByKind)}), client ${clientBlocks[name]} ms; ${JSON.stringify(delay.slices)}`);
    return value;
  };
  try {
    const ready = await host.next('ready');
    client = await Client.connect(ready.address, { timeoutMs: 30_000 });
    await client.waitForWorkers(2, { timeoutMs: 30_000 });
    clientDelay.enable();
    const baseHeap = (await host.ask('heap')).heapUsed;

    // Graph 1: submit, drain, release.
    const gatePath = join(dir, 'open');
    let mapReturnSeconds = 0;
    const t0 = performance.now();
    const { root, futures } = await phase('submit', async () => {
      const root = client!.submit(gate, gatePath);
      const futures = client!.map((r: number, i: number) => r + i, repeat(root, n), Array.from({ length: n }, (_, i) => i));
      mapReturnSeconds = seconds(t0);
      await host.untilTasks(n + 1);
      return { root, futures };
    });
    const submitSeconds = seconds(t0);
    log(`  map returned in ${mapReturnSeconds.toFixed(1)} s; the scheduler held all ${n + 1} tasks after ${submitSeconds.toFixed(1)} s`);
    const bytesPerPendingTask = ((await host.ask('heap')).heapUsed - baseHeap) / n;
    log(`  ${Math.round(bytesPerPendingTask)} bytes of scheduler heap per pending task`);

    const t1 = performance.now();
    const wrongResults = await phase('drain', async () => {
      writeFileSync(gatePath, '');
      let wrong = 0;
      // One gather for the lot, as a program waiting for a million results would: Promise.all over the
      // futures makes four promises per future, and the client's collector then slows the whole machine.
      const values = (await client!.gather(futures)) as number[];
      values.forEach((v, i) => { if (v !== 1 + i) wrong++; });
      return wrong;
    });
    const drainSeconds = seconds(t1);
    log(`  drained ${n} in ${drainSeconds.toFixed(1)} s (${Math.round(n / drainSeconds)}/s), ${wrongResults} wrong`);

    const t2 = performance.now();
    await phase('release', async () => {
      for (const f of futures) f.release();
      root.release();
      await host.untilTasks(0);
    });
    const releaseSeconds = seconds(t2);
    const totalSeconds = seconds(t0);
    log(`  released in ${releaseSeconds.toFixed(1)} s; submit + drain + release ${totalSeconds.toFixed(1)} s`);

    // Graph 2: submit again, then cancel every dependent at once.
    const gate2 = join(dir, 'open-2');
    const root2 = client.submit(gate, gate2);
    const futures2: Future<number>[] = client.map((r: number, i: number) => r - i, repeat(root2, n), Array.from({ length: n }, (_, i) => i));
    await host.untilTasks(n + 1);
    const t3 = performance.now();
    await phase('cancel', async () => {
      await client!.cancel(futures2);
      const cancelReturned = seconds(t3);
      // Every future is settled as cancelled at once (its status), and waiting on one rejects with
      // CancelledError. Awaiting each of a million one by one (Promise.allSettled) would measure the
      // promises and a CancelledError per future, not the cancel: that is timed apart, below.
      const notCancelled = futures2.filter((f) => f.status !== 'cancelled').length;
      if (notCancelled > 0) throw new Error(`${notCancelled} futures were not cancelled`);
      const first = await futures2[0]!.then(() => undefined, (error: unknown) => error);
      if (!(first instanceof CancelledError)) throw new Error(`awaiting a cancelled future gave ${String(first)}, not a CancelledError`);
      const settled = seconds(t3);
      await host.untilState('cancelled', n);
      log(`  cancel: client.cancel returned after ${cancelReturned.toFixed(2)} s, every future settled after ${settled.toFixed(2)} s, the scheduler held ${n} cancelled after ${seconds(t3).toFixed(2)} s`);
    });
    const cancelSeconds = seconds(t3);
    log(`  cancelled ${n} in ${cancelSeconds.toFixed(2)} s`);
    const t4 = performance.now();
    await Promise.allSettled(futures2);
    const awaitEachCancelledSeconds = seconds(t4);
    log(`  awaiting each of the ${n} cancelled futures (Promise.allSettled) took ${awaitEachCancelledSeconds.toFixed(2)} s more`);
    writeFileSync(gate2, '');
    await root2;
    root2.release();
    for (const f of futures2) f.release();
    const summary = (await host.ask('delay')).slices;

    const peak: Record<string, number> = { client: peakRssMb(process.pid), scheduler: peakRssMb(host.child.pid!) };
    ready.workerPids.forEach((pid, i) => (peak[`worker${i + 1}`] = peakRssMb(pid)));
    return {
      tasks: n, loadAverage: loadavg(), mapReturnSeconds, submitSeconds, bytesPerPendingTask, drainSeconds, drainPerSecond: n / drainSeconds,
      releaseSeconds, cancelSeconds, awaitEachCancelledSeconds, totalSeconds, longestSchedulerBlockMs: schedulerBlocks, longestSchedulerGcMs: schedulerGc, longestClientBlockMs: clientBlocks,
      schedulerSlices: summary, peakRssMb: peak, wrongResults,
    };
  } finally {
    clientDelay.disable();
    await client?.close().catch(() => {});
    const exited = new Promise((resolve) => host.child.once('exit', resolve));
    host.child.send({ op: 'close' } satisfies HostRequest);
    const timer = setTimeout(() => host.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report as a few lines of text. */
export function renderScaleReport(r: ScaleReport): string {
  const ms = (o: Record<string, number>): string => Object.entries(o).map(([k, v]) => `${k} ${v} ms`).join(', ');
  return [
    `scale: a gated root with ${r.tasks.toLocaleString('en-US')} dependents, 2 workers × 1 thread (load average ${r.loadAverage.map((x) => x.toFixed(1)).join(' ')})`,
    `  map returned          ${r.mapReturnSeconds.toFixed(1)} s`,
    `  submit (all held)     ${r.submitSeconds.toFixed(1)} s`,
    `  per pending task      ${(r.bytesPerPendingTask / 1024).toFixed(2)} KB of scheduler heap (goal ≤ 1.5 KB)`,
    `  drain                 ${r.drainSeconds.toFixed(1)} s, ${Math.round(r.drainPerSecond).toLocaleString('en-US')}/s, ${r.wrongResults} wrong results`,
    `  release               ${r.releaseSeconds.toFixed(1)} s`,
    `  submit+drain+release  ${r.totalSeconds.toFixed(1)} s (goal ≤ 60 s at 1M)`,
    `  cancel of all         ${r.cancelSeconds.toFixed(2)} s (goal ≤ 3 s at 1M); then awaiting each cancelled future ${r.awaitEachCancelledSeconds.toFixed(2)} s`,
    `  longest scheduler block per phase: ${ms(r.longestSchedulerBlockMs)} (goal ≤ 50 ms)`,
    `  longest scheduler GC pause per phase: ${ms(r.longestSchedulerGcMs)}`,
    `  longest client block per phase:    ${ms(r.longestClientBlockMs)}`,
    `  peak RSS: ${Object.entries(r.peakRssMb).map(([k, v]) => `${k} ${v} MB`).join(', ')}`,
  ].join('\n');
}
