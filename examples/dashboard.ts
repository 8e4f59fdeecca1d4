/**
 * The live dashboard: a LocalCluster of two workers, its status page, and a mixed workload that keeps
 * running for about 30 seconds so there is something to watch (simulations, one reduction per round,
 * and a few checks that fail on purpose, drawn red in the task stream).
 *
 * Run:  npm run build && node dist/examples/dashboard.js [SECONDS]     (SECONDS: 1–600, default 30)
 * Then open the printed link (…/status) in a browser. The page updates four times a second.
 */
import { Client, LocalCluster, wait } from '../src/index.js';
import { startDashboard } from '../src/dashboard/index.js';

/** A simulated step: waits `ms` milliseconds (standing in for real work) and returns a number. */
async function simulate(seed: number, ms: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return Math.round(Math.abs(Math.sin(seed)) * 1000);
}

/** The round's reduction, which depends on every simulation of the round. */
function summarise(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** A check that fails for one input in ten, to show errors on the page. */
function check(value: number): number {
  if (value % 10 === 7) throw new RangeError(`value ${value} is out of range`);
  return value;
}

const seconds = Number(process.argv[2] ?? 30);
if (!Number.isFinite(seconds) || seconds < 1 || seconds > 600) {
  throw new RangeError(`the run time must be 1 to 600 seconds, got ${JSON.stringify(process.argv[2])}`);
}

const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 2, dashboardAddress: false });
let client: Client | undefined;
let dashboard: Awaited<ReturnType<typeof startDashboard>>;
try {
  await cluster.ready;
  dashboard = await startDashboard(cluster.scheduler, { address: 8787, log: (line) => console.log(line) });
  console.log(`dashboard: ${dashboard?.url}`);
  client = await Client.connect(cluster);
  const deadline = Date.now() + seconds * 1000;
  let round = 0;
  let tasks = 0;
  while (Date.now() < deadline) {
    round++;
    const seeds = Array.from({ length: 300 }, (_, i) => round * 1000 + i);
    const durations = seeds.map((_, i) => 5 + (i % 9) * 6);
    const simulations = client.map(simulate, seeds, durations);
    const mean = client.submit(summarise, simulations);
    const checks = client.map(check, seeds.slice(0, 30));
    await wait([mean, ...checks]);
    const failed = checks.filter((f) => f.status === 'error').length;
    tasks += simulations.length + 1 + checks.length;
    console.log(`round ${round}: mean ${(await mean).toFixed(1)}, ${failed} of ${checks.length} checks failed (on purpose)`);
  }
  console.log(`ran ${tasks} tasks in ${round} rounds; closing`);
} finally {
  await client?.close();
  await dashboard?.close();
  await cluster.close();
}
