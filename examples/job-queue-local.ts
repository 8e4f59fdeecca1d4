/**
 * A job-queue cluster end to end without a batch system: LocalJobCluster runs each job script with
 * bash on this machine, so the path script → submit → workers connect → status polls → cancel is the
 * one a SLURMCluster takes. It shows what the cluster object tells: its options, keys, workers,
 * jobs, log and dashboard link, and adaptive scaling with its `Adaptive` handle.
 *
 * Run:  npm run build && node dist/examples/job-queue-local.js
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, LocalJobCluster, type Adaptive, type Future, type JobQueueCluster } from 'flotilla';

/** Waits until `check()` holds, looking every 50 ms for at most `timeoutMs`. */
async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; !check() && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 50));
  return check();
}

const folder = mkdtempSync(join(tmpdir(), 'flotilla-job-queue-'));
// No config file or environment is read (`context`), so the example prints the same everywhere.
const cluster: JobQueueCluster = new LocalJobCluster(
  { cores: 1, processes: 1, memory: '1 GB', host: '127.0.0.1', logDirectory: join(folder, 'logs'), jobName: 'example', statusPollMs: 200, dashboardAddress: 0 },
  { config: { path: null, jobqueue: {} }, env: {}, cwd: folder },
);
const client = await Client.connect(cluster);
try {
  await cluster.ready;
  const lines: string[] = [];
  cluster.log.addSink((line) => lines.push(line));
  cluster.log.setLevel('info');
  const { nWorkers, closeTimeoutMs } = cluster.clusterOptions;
  console.log(`${cluster.name}: nWorkers ${nWorkers}, closeTimeoutMs ${closeTimeoutMs}, scheduler in this process: ${cluster.scheduler.address === cluster.schedulerAddress}`);
  const mode = cluster.securityFile === undefined ? 'none' : (statSync(cluster.securityFile).mode & 0o777).toString(8);
  console.log(`keys for clients: ${cluster.security ? 'CURVE' : 'none'}; the workers' credentials file has mode ${mode}`);
  console.log(`dashboard: ${cluster.dashboardLink?.startsWith('http://') ? 'an http link' : 'none'}`);

  await cluster.scale(2);
  await client.waitForWorkers(2, { timeoutMs: 60_000 });
  const totals = cluster.workerTotals();
  console.log(`${cluster.workerCount} workers, ${totals.threads} threads; ${cluster.describeWorkers().replace(/\(ids [^)]*\)/, '(ids <id>, <id>)')}`);
  const squares: Future<number>[] = client.map((x: number) => x * x, [1, 2, 3, 4]);
  console.log(`sum of squares on the jobs' workers: ${(await client.gather(squares)).reduce((a, b) => a + b)}`);
  // A job whose workers hold results is not idle: release them, so adaptive scaling may retire it.
  for (const future of squares) future.release();
  console.log(`submissions without a known job id: ${cluster.unidentifiedSubmissions}`);

  // Adaptive: with no work and `minimum: 1`, it retires one job after `waitCount` checks in a row.
  const adaptive: Adaptive = cluster.adapt({ minimum: 1, maximum: 2, waitCount: 2, intervalMs: 100 });
  const shrunk = await until(() => cluster.workerCount === 1, 30_000);
  console.log(`adaptive: active ${adaptive.active}, shrank to ${cluster.workerCount} worker: ${shrunk}`);
  await adaptive.stop();
  const retiring = lines.find((line) => line.includes('retiring job'));
  console.log(`after stop: active ${adaptive.active}; the cluster's log said: ${retiring?.replace(/^.*: retiring job \d+/, 'retiring job <id>')}`);
} finally {
  await client.close();
  await cluster.close();
  rmSync(folder, { recursive: true, force: true });
}
