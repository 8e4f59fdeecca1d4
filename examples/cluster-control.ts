/**
 * Dask's Client extras on a LocalCluster of 3 workers: a task that submits tasks and waits on them
 * (getClient), a side-effect task kept running after its future is dropped (fireAndForget), results
 * copied and spread over workers (replicate, rebalance), a worker retired without recomputing its
 * results (retireWorkers), and a restart that cancels everything (restart).
 *
 * Run:  npm run build && node dist/examples/cluster-control.js
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, LocalCluster, fireAndForget } from 'flotilla';

/** A task that fans out: it submits one task per chunk through its own client and sums their results. */
async function sumOfSquares(n: number): Promise<number> {
  const { getClient } = await import('flotilla');
  const client = await getClient(); // gives up this task's thread while it waits: no deadlock on one thread
  const squares = client.map((i: number) => i * i, Array.from({ length: n }, (_, i) => i));
  const values = await client.gather(squares);
  return values.reduce((a, b) => a + b, 0);
}

/** A side effect nobody waits for. */
async function writeReport(file: string, total: number): Promise<void> {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, `total ${total}\n`);
}

const cluster = new LocalCluster({ nWorkers: 3, threadsPerWorker: 1, dashboardAddress: false });
const client = await Client.connect(cluster);
const dir = mkdtempSync(join(tmpdir(), 'flotilla-control-'));
try {
  const total = client.submit(sumOfSquares, 10);
  console.log(`sum of squares below 10, computed by subtasks: ${await total}`);

  const report = join(dir, 'report.txt');
  fireAndForget(client.submit(writeReport, report, total));
  for (let i = 0; i < 500 && !existsSync(report); i++) await new Promise((r) => setTimeout(r, 10));
  console.log(`fire-and-forget wrote: ${readFileSync(report, 'utf8').trim()}`);

  const chunks = await client.scatter([1, 2, 3, 4, 5, 6].map((i) => new Float64Array(10_000).fill(i)), { workers: ['local-0'] });
  await client.rebalance(chunks);
  const holders = new Set(Object.values(await client.whoHas(chunks)).flat());
  console.log(`rebalance spread 6 chunks over ${holders.size} workers`);
  await client.replicate(chunks.slice(0, 1));
  console.log(`replicate: the first chunk is on ${(await client.whoHas(chunks.slice(0, 1)))[chunks[0]!.key]!.length} workers`);

  const retired = await client.retireWorkers(['local-0']);
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  const means = await client.gather(client.map(mean, chunks));
  console.log(`retired ${retired.join(', ')}; the chunks are still there: means ${means.join(' ')}`);

  await client.restart();
  console.log(`after restart: chunk futures are ${chunks[0]!.status}, ${(await client.schedulerInfo()).workers.length} workers ready`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await client.close();
  await cluster.close();
}
