/**
 * `--only=clientFairness`: 8 clients of one cluster each submit 2,000 no-op tasks at the same moment, at
 * equal priority. Served in turns, every client finishes near the end and gets its first result near the
 * start; served first come first served, the first client finishes long before the last. Prints Jain's
 * fairness index over the clients' rates (tasks / time from the common start to their last result; 1 is
 * perfectly fair, goal ≥ 0.99) and the spread of the clients' first results, in ms and as a fraction of
 * the whole run.
 */
import { Client } from '../../src/index.js';
import { waitUntilSchedulerIdle, withBenchCluster } from '../flotilla-cluster.js';
import { remainingMs } from '../limits.js';

export interface ClientFairnessOptions {
  /** Clients. @defaultValue 8 */
  clients?: number;
  /** Tasks per client. @defaultValue 2_000 */
  tasks?: number;
}

/** Jain's fairness index of `rates`: (Σx)² / (n · Σx²). */
export function jainIndex(rates: readonly number[]): number {
  const sum = rates.reduce((a, b) => a + b, 0);
  const squares = rates.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (rates.length * squares);
}

/** Runs the workload once on a fresh bench cluster and returns its figures. */
export async function benchClientFairness(options: ClientFairnessOptions = {}): Promise<Record<string, number>> {
  const nClients = options.clients ?? 8;
  const tasks = options.tasks ?? 2_000;
  const { value } = await withBenchCluster(180_000, async ({ client: first, cluster }, deadlineMs) => {
    const clients = [first];
    try {
      for (let c = 1; c < nClients; c++) clients.push(await Client.connect(cluster, { timeoutMs: remainingMs(deadlineMs) }));
      const firstAt: number[] = clients.map(() => Infinity);
      const lastAt: number[] = clients.map(() => 0);
      const start = performance.now();
      // All in one turn of this process's event loop: the submits leave together.
      const all = clients.map((client, c) => {
        const futures = client.map((who: number, i: number) => who * 1_000_000 + i, Array.from({ length: tasks }, () => c), Array.from({ length: tasks }, (_, i) => i));
        return Promise.all(futures.map(async (future) => {
          await future.result({ timeoutMs: remainingMs(deadlineMs) });
          const now = performance.now() - start;
          if (now < firstAt[c]!) firstAt[c] = now;
          if (now > lastAt[c]!) lastAt[c] = now;
        })).finally(() => { for (const f of futures) f.release(); });
      });
      await Promise.all(all);
      await waitUntilSchedulerIdle(first);
      return { firstAt, lastAt };
    } finally {
      await Promise.all(clients.slice(1).map((c) => c.close()));
    }
  });
  const totalMs = Math.max(...value.lastAt);
  const spreadMs = Math.max(...value.firstAt) - Math.min(...value.firstAt);
  return {
    clients: nClients,
    tasksPerClient: tasks,
    jainIndex: jainIndex(value.lastAt.map((ms) => tasks / ms)),
    goalJainIndex: 0.99,
    firstResultSpreadMs: spreadMs,
    firstResultSpreadFraction: spreadMs / totalMs,
    slowestOverFastestFinish: Math.max(...value.lastAt) / Math.min(...value.lastAt),
    totalMs,
  };
}
