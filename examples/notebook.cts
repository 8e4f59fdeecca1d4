/**
 * flotilla as a notebook uses it, written as CommonJS because that is what a tslab notebook compiles each
 * cell to (`import` becomes `require`): a cluster and a client print a summary (workers, threads, memory,
 * dashboard), futures print their key and status, progress comes as log lines where stderr is no terminal,
 * and building a second cluster (a re-run cell) says so at once and how to close the first.
 *
 * Run:  npm run build && node dist/examples/notebook.cjs
 */
import { Client, LocalCluster } from 'flotilla';

async function main(): Promise<void> {
  // Cell 1: a cluster and a client.
  const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: '127.0.0.1:0' });
  const client = await Client.connect(cluster);
  console.log(cluster);
  console.log(client);

  // Cell 2: work, with progress lines (a bar instead when stderr is a terminal).
  const futures = client.map((x: number) => x * x, Array.from({ length: 40 }, (_, i) => i));
  await client.progress(futures, { intervalMs: 1_000 });
  console.log(futures[3]);
  console.log('sum of squares:', (await client.gather(futures)).reduce((a, b) => a + b, 0));

  // Cell 1 run again: the notice on stderr names the open cluster; this is the close it suggests.
  const again = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, dashboardAddress: '127.0.0.1:0' });
  await client.close();
  await LocalCluster.running()[0]!.close();
  console.log('open clusters:', LocalCluster.running().length, '- the first is', cluster.status);
  await again.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
