/**
 * Performance reports and dashboard addresses, on a LocalCluster of two workers: `client.performanceReport`
 * writes one HTML file (task stream, progress per group, worker memory, a flame graph) of what the
 * cluster did while a body ran; `performanceReport(client, …)` does the same for any client, and still
 * writes the file when the body throws; `parseDashboardAddress` reads the `dashboardAddress` forms.
 *
 * Run:  npm run build && node dist/examples/performance-report.js
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ConfigurationError, LocalCluster, parseDashboardAddress, performanceReport } from 'flotilla';

/** A small simulation step: a seeded sum of sines. */
function simulate(seed: number): number {
  let total = 0;
  for (let i = 0; i < 200_000; i++) total += Math.sin(seed + i);
  return Math.round(total);
}

const folder = mkdtempSync(join(tmpdir(), 'flotilla-report-'));
const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false });
const client = await Client.connect(cluster);
try {
  await client.waitForWorkers(2, { timeoutMs: 30_000 });

  // The body's result comes back; the report is written beside it.
  const report = join(folder, 'report.html');
  const values = await client.performanceReport(report, () => client.gather(client.map(simulate, [1, 2, 3, 4, 5, 6, 7, 8])));
  const html = readFileSync(report, 'utf8');
  console.log(`${values.length} simulations; report: ${html.startsWith('<!doctype html>') ? 'an HTML page' : 'not HTML'} naming the group: ${html.includes('simulate')}`);

  // The free function: the body fails, the report is written all the same, and the error comes back.
  const failed = join(folder, 'failed.html');
  const outcome = await performanceReport(client, failed, async () => {
    await client.submit(() => {
      throw new RangeError('step 3 diverged');
    });
  }).then(() => 'no error', (error: Error) => error.message);
  console.log(`failing body: "${outcome}"; report written: ${readFileSync(failed, 'utf8').length > 0}`);

  // Where a dashboard would listen, for each form of `dashboardAddress`.
  for (const address of [8787, ':0', '127.0.0.1:8787', 'http://[::1]:9000']) {
    console.log(`dashboardAddress ${JSON.stringify(address)}: ${JSON.stringify(parseDashboardAddress(address))}`);
  }
  try {
    parseDashboardAddress('port eighty');
  } catch (error) {
    if (error instanceof ConfigurationError) console.log(`${error.name}: ${error.message.split(';')[0]}`);
  }
} finally {
  await client.close();
  await cluster.close();
  rmSync(folder, { recursive: true, force: true });
}
