/**
 * `withCluster`: our gen_cluster. Starts a LocalCluster (scheduler invariants checked after every event)
 * and a Client on loopback with OS-chosen ports, runs the body under a deadline, and always tears down.
 * Fails when the body times out (saying what was pending), when the scheduler's state is invalid at the
 * end, or when child processes are left behind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Client, LocalCluster, type LocalClusterOptions } from '../../src/index.js';

export interface ClusterContext {
  client: Client;
  cluster: LocalCluster;
}

export interface WithClusterOptions extends LocalClusterOptions {
  /** The body's deadline in milliseconds. @defaultValue 45000 */
  deadlineMs?: number;
}

/** Live (non-zombie) child processes of this process. */
export function childPids(parent = process.pid): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = /PPid:\s+(\d+)/.exec(status)?.[1];
      const state = /State:\s+(\w)/.exec(status)?.[1];
      if (Number(ppid) === parent && state !== 'Z') out.push(Number(entry));
    } catch {
      // The process ended while we looked: not a leftover.
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    const state = /State:\s+(\w)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `condition` every 20 ms until it holds, or throws after `timeoutMs` with `what`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function withCluster(options: WithClusterOptions, body: (ctx: ClusterContext) => Promise<void>): Promise<void> {
  const before = new Set(childPids());
  const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, validate: true, dashboardAddress: false, ...options });
  let client: Client | undefined;
  let failure: unknown;
  try {
    client = await Client.connect(cluster);
    const deadlineMs = options.deadlineMs ?? 45_000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const counts = JSON.stringify(cluster.scheduler.view.countsByState());
        reject(new Error(`test body did not finish within ${deadlineMs} ms; scheduler tasks by state: ${counts}`));
      }, deadlineMs);
    });
    try {
      await Promise.race([body({ client, cluster }), deadline]);
    } finally {
      clearTimeout(timer);
    }
    cluster.scheduler.view.validate();
  } catch (error) {
    failure = error;
  } finally {
    await client?.close();
    await cluster.close();
  }
  if (failure) throw failure;
  const leftovers = () => childPids().filter((pid) => !before.has(pid));
  await waitUntil(() => leftovers().length === 0, 'every worker process has exited', 10_000).catch(() => {
    const left = leftovers();
    for (const pid of left) process.kill(pid, 'SIGKILL');
    throw new Error(`child processes left behind after close: ${left.join(', ')}`);
  });
}
