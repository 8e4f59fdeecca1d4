/**
 * `withCluster`: our gen_cluster. Starts a LocalCluster (scheduler invariants checked after every event)
 * and a Client on loopback with OS-chosen ports, waits for its workers to register, runs the body under
 * a deadline, and always tears down. Fails when the body times out (naming the pending futures and
 * their states), when the scheduler runs more transitions than the test's cap (a transition storm),
 * when the scheduler's state is invalid at the end, or when child processes are left behind. The body waits on transition events with
 * `waitForState`, never on guessed sleeps.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Client, LocalCluster, type LocalClusterOptions } from '../../src/index.js';
import { TransitionWatch, type TaskStateName, type WaitOptions } from './transition-watch.js';
import { WorkerWatch, type WorkerStateName } from './worker-watch.js';

export type { TaskStateName, WaitOptions, WorkerStateName };

export interface ClusterContext {
  client: Client;
  cluster: LocalCluster;
  /**
   * Resolves once the task `key` (or a future's key) is in `state` (or one of `states`), at once if it
   * already is; driven by the scheduler's transition events. `forgotten` means: seen, then forgotten.
   * @throws Error after `timeoutMs` naming the key, the state it is in and its last transitions.
   */
  waitForState(key: string | { key: string }, state: TaskStateName | readonly TaskStateName[], options?: WaitOptions): Promise<void>;
  /**
   * Resolves once the worker named `name` is `added` (registered), `retired` or `removed`, at once if it
   * already is; driven by the scheduler's worker events.
   */
  waitForWorkerState(name: string, state: WorkerStateName, options?: WaitOptions): Promise<void>;
  /** Transitions the scheduler has run since the cluster started. */
  transitions(): number;
}

export interface WithClusterOptions extends LocalClusterOptions {
  /** The body's deadline in milliseconds. @defaultValue 45000 */
  deadlineMs?: number;
  /**
   * The most task transitions the test may cause (as distributed's `transition_counter_max`): one more
   * fails the test at once, naming the keys that moved most. @defaultValue 50000
   */
  transitionCap?: number;
  /**
   * Waits until this many workers have registered before the body starts (its deadline starts after).
   * @defaultValue `nWorkers` (2 unless given)
   */
  waitForWorkers?: number;
  /** How long to wait for them, in milliseconds. @defaultValue 60000 */
  startTimeoutMs?: number;
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

export const DEFAULT_TRANSITION_CAP = 50_000;

export async function withCluster(options: WithClusterOptions, body: (ctx: ClusterContext) => Promise<void>): Promise<void> {
  const before = new Set(childPids());
  const { deadlineMs = 45_000, transitionCap = DEFAULT_TRANSITION_CAP, waitForWorkers, startTimeoutMs = 60_000, ...clusterOptions } = options;
  // The watch fails the test at the first transition over the cap. The scheduler itself stops (throws)
  // only well past it, so that a loop that never yields to the event loop ends too, while a test that
  // merely went over the cap still closes on a consistent state.
  const cluster = new LocalCluster({
    nWorkers: 2, threadsPerWorker: 1, validate: true, dashboardAddress: false, transitionLimit: 2 * transitionCap + 1_000, ...clusterOptions,
  });
  let client: Client | undefined;
  let watch: TransitionWatch | undefined;
  let workers: WorkerWatch | undefined;
  let failure: unknown;
  try {
    await cluster.ready;
    watch = new TransitionWatch(cluster.scheduler, transitionCap);
    workers = new WorkerWatch(cluster.scheduler);
    client = await Client.connect(cluster);
    // The body starts with every worker registered, so it never races their start.
    await client.waitForWorkers(waitForWorkers ?? clusterOptions.nWorkers ?? 2, { timeoutMs: startTimeoutMs });
    const context: ClusterContext = {
      client,
      cluster,
      waitForState: (key, state, waitOptions) => watch!.waitFor(typeof key === 'string' ? key : key.key, state, waitOptions),
      waitForWorkerState: (name, state, waitOptions) => workers!.waitFor(name, state, waitOptions),
      transitions: () => watch!.count,
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`test body did not finish within ${deadlineMs} ms; ${watch!.describePending()}`)), deadlineMs);
    });
    try {
      await Promise.race([body(context), deadline, watch.capExceeded]);
    } finally {
      clearTimeout(timer);
    }
    cluster.scheduler.view.validate();
  } catch (error) {
    failure = error;
  } finally {
    watch?.close();
    workers?.close();
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
