/**
 * What a LocalCluster tells about itself, on three worker processes: their names, process ids and
 * totals, the phrase time-out messages use, and its log and its scheduler's log, which say when a
 * worker joined and when a dead one was replaced.
 *
 * Run:  npm run build && node dist/examples/cluster-status.js
 */
import { Client, LocalCluster } from 'flotilla';

/** Waits until `check()` holds, looking every 20 ms for at most `timeoutMs`. */
async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; !check() && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 20));
  return check();
}

const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 2, memoryLimit: '1 GB', dashboardAddress: false });
const client = await Client.connect(cluster);
try {
  await cluster.ready;
  // Both logs go to stderr at level `warn` by default (FLOTILLA_LOG_LEVEL); a sink sees the same lines.
  const schedulerLines: string[] = [];
  cluster.scheduler.log.addSink((line) => schedulerLines.push(line));
  cluster.scheduler.log.setLevel('info');
  const clusterLines: string[] = [];
  cluster.log.addSink((line) => clusterLines.push(line));

  await cluster.scale(3);
  await client.waitForWorkers(3, { timeoutMs: 30_000 });
  const { workers, threads, memory } = cluster.workerTotals();
  console.log(`workers: ${cluster.workerNames.join(', ')}; ${workers} registered, ${threads} threads, ${memory / 1e9} GB in all`);
  const pids = cluster.workerPids;
  console.log(`process ids: ${pids.length} distinct processes, none of them this one: ${new Set(pids).size === pids.length && !pids.includes(process.pid)}`);
  console.log(`describeWorkers: ${cluster.describeWorkers()}`);
  console.log(`the scheduler logged: ${schedulerLines.find((line) => line.includes('local-2 joined'))?.replace(/^.*(worker local-2 joined) from \S+/, '$1 from <address>')}`);

  // A worker process that dies is replaced; the cluster's log says so.
  process.kill(pids[0]!, 'SIGKILL');
  await until(() => clusterLines.some((line) => line.includes('starting a replacement')), 30_000);
  await client.waitForWorkers(3, { timeoutMs: 30_000 });
  const replaced = clusterLines.find((line) => line.includes('starting a replacement'));
  console.log(`the cluster logged: ${replaced?.replace(/^.*?(worker \S+) \(pid \d+\)/, '$1 (pid <pid>)')}`);
  console.log(`after the replacement: ${cluster.workerTotals().workers} workers, new pid: ${!cluster.workerPids.includes(pids[0]!)}`);
} finally {
  await client.close();
  await cluster.close();
}
