/**
 * Cluster-wide Lock, Event, Queue and Variable, and published datasets, on a LocalCluster of 2 workers:
 * producer tasks feed a Queue that a consumer task drains, an Event starts them all at once, a Lock
 * keeps appends to one file whole, a Variable carries a setting to every task, and a dataset of futures
 * is published by one client and read by another.
 *
 * Run:  npm run build && node dist/examples/coordination.js
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Event, LocalCluster, Queue, Variable } from 'flotilla';

/** Waits for the start signal, then puts `count` numbers on the queue. */
async function produce(first: number, count: number): Promise<number> {
  const { Event, Queue, Variable } = await import('flotilla');
  await new Event('start').wait();
  const scale = await new Variable<number>('scale').get();
  const queue = new Queue<number>('numbers');
  for (let i = first; i < first + count; i++) await queue.put(i * scale);
  return count;
}

/** Takes `count` numbers off the queue and appends each to the log file under the lock. */
async function consume(count: number, log: string): Promise<number> {
  const { Lock, Queue } = await import('flotilla');
  const { appendFileSync } = await import('node:fs');
  const queue = new Queue<number>('numbers');
  const lock = new Lock('log');
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const n = await queue.get();
    sum += n;
    await lock.withLock(() => appendFileSync(log, `${n}\n`));
  }
  return sum;
}

const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false });
const client = await Client.connect(cluster);
const dir = mkdtempSync(join(tmpdir(), 'flotilla-coordination-'));
try {
  await new Variable<number>('scale', { client }).set(10);
  const log = join(dir, 'log.txt');
  const consumer = client.submit(consume, 6, log);
  const producers = client.map(produce, [0, 3], [3, 3]);
  await new Event('start', { client }).set();
  console.log(`produced ${(await client.gather(producers)).reduce((a, b) => a + b, 0)}, consumed sum ${await consumer}`);
  console.log(`log lines: ${readFileSync(log, 'utf8').trim().split('\n').length}`);

  await client.publishDataset('squares', { parts: client.map((i: number) => i * i, [1, 2, 3]) });
  const reader = await Client.connect(cluster);
  try {
    const { parts } = await reader.getDataset<{ parts: unknown[] }>('squares');
    console.log(`datasets ${JSON.stringify(await reader.listDatasets())}: ${JSON.stringify(await reader.gather(parts))}`);
  } finally {
    await reader.close();
  }
  await client.unpublishDataset('squares');
  console.log(`after unpublish: ${JSON.stringify(await client.listDatasets())}; queue size ${await new Queue('numbers', { client }).qsize()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await client.close();
  await cluster.close();
}
