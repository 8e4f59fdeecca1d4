/**
 * Starting and, above all, stopping the flotilla clusters the bench uses. Every cluster is
 * registered while open, so a workload that hangs or a Ctrl-C still gets it closed; if a close
 * itself hangs, the worker processes this bench started are killed by pid.
 */
import { Client, LocalCluster } from '../src/index.js';
import { remainingMs, withTimeLimit } from './limits.js';

/** The cluster shape every workload uses: 2 workers × 1 thread, as in the targets. */
export const BENCH_CLUSTER = { nWorkers: 2, threadsPerWorker: 1 } as const;

const CLIENT_CLOSE_LIMIT_MS = 10_000;
const CLUSTER_CLOSE_LIMIT_MS = 15_000;

interface OpenCluster {
  cluster: LocalCluster;
  client?: Client;
}

const openClusters = new Set<OpenCluster>();
/** Shutdowns under way, so closeAllBenchClusters() also waits for those another path started. */
const shutdowns = new Set<Promise<string | undefined>>();

/** A started cluster with a connected client that has seen both workers. */
export interface BenchCluster {
  cluster: LocalCluster;
  client: Client;
}

/**
 * Starts a LocalCluster, connects a client and waits for both workers, within `limitMs`.
 * On failure everything it started is closed before the error propagates.
 */
export async function startBenchCluster(limitMs: number): Promise<BenchCluster> {
  const deadline = performance.now() + limitMs;
  const entry: OpenCluster = { cluster: new LocalCluster(BENCH_CLUSTER) };
  openClusters.add(entry);
  try {
    const client = await withTimeLimit(Client.connect(entry.cluster, { timeoutMs: remainingMs(deadline) }), remainingMs(deadline), 'LocalCluster start and Client.connect');
    entry.client = client;
    await client.waitForWorkers(BENCH_CLUSTER.nWorkers, { timeoutMs: remainingMs(deadline) });
    return { cluster: entry.cluster, client };
  } catch (error) {
    await shutDown(entry);
    throw error;
  }
}

/**
 * Closes the client and the cluster, each within its own limit. Returns a note when something had
 * to be forced (a close that timed out, workers killed by pid), undefined when all went well.
 */
export async function closeBenchCluster(bench: BenchCluster): Promise<string | undefined> {
  const entry = [...openClusters].find((e) => e.cluster === bench.cluster) ?? { cluster: bench.cluster, client: bench.client };
  return shutDown(entry);
}

/** Runs `work` on a fresh cluster and always closes it; a hang in `work` ends after `limitMs` with a TimeoutError. */
export async function withBenchCluster<T>(limitMs: number, work: (bench: BenchCluster, deadlineMs: number) => Promise<T>): Promise<{ value: T; cleanupNote?: string }> {
  const deadline = performance.now() + limitMs;
  const bench = await startBenchCluster(limitMs);
  let value: T;
  try {
    value = await withTimeLimit(work(bench, deadline), remainingMs(deadline), 'the workload');
  } catch (error) {
    const note = await closeBenchCluster(bench);
    if (note && error instanceof Error) error.message += ` (while closing: ${note})`;
    throw error;
  }
  const cleanupNote = await closeBenchCluster(bench);
  return cleanupNote ? { value, cleanupNote } : { value };
}

/** Closes every cluster still open (after a hung workload, or on Ctrl-C). Returns the notes of forced closes. */
export async function closeAllBenchClusters(): Promise<string[]> {
  const started = [...openClusters].map((entry) => shutDown(entry));
  const notes = await Promise.all([...started, ...shutdowns]);
  return [...new Set(notes.filter((note): note is string => note !== undefined))];
}

function shutDown(entry: OpenCluster): Promise<string | undefined> {
  openClusters.delete(entry);
  const closing = closeEntry(entry).finally(() => shutdowns.delete(closing));
  shutdowns.add(closing);
  return closing;
}

async function closeEntry(entry: OpenCluster): Promise<string | undefined> {
  const problems: string[] = [];
  // Taken before closing: close() forgets its slots.
  const pids = entry.cluster.workerPids;
  if (entry.client) {
    await withTimeLimit(entry.client.close(), CLIENT_CLOSE_LIMIT_MS, 'client.close()').catch((error: unknown) => problems.push(describe(error)));
  }
  await withTimeLimit(entry.cluster.close(), CLUSTER_CLOSE_LIMIT_MS, 'cluster.close()').catch((error: unknown) => problems.push(describe(error)));
  const survivors = pids.filter(isAlive);
  if (survivors.length > 0) {
    // Give a worker that was told to stop a moment to go, then make sure.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stillAlive = survivors.filter(isAlive);
    for (const pid of stillAlive) killQuietly(pid);
    if (stillAlive.length > 0) problems.push(`worker process(es) ${stillAlive.join(', ')} were still running after close and were killed with SIGKILL`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Waits (at most `limitMs`) until the scheduler holds no live task, so a repetition starts from a
 * clean state after the previous one's futures were released. Returns false if it did not get there.
 */
export async function waitUntilSchedulerIdle(client: Client, limitMs = 10_000): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  for (let attempt = 0; attempt < 500 && performance.now() < deadline; attempt++) {
    const { tasks } = await withTimeLimit(client.schedulerInfo(), remainingMs(deadline), 'schedulerInfo()');
    const live = Object.entries(tasks).filter(([state]) => state !== 'released' && state !== 'forgotten').reduce((sum, [, n]) => sum + n, 0);
    if (live === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
