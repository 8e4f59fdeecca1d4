/**
 * Dask's Client semantics in flotilla, in one short run:
 * - `map` with a key prefix (each key is the prefix and a hash of the arguments) or a list of keys;
 * - `asCompleted(…, { withResults: true, raiseErrors: false })` yields failed tasks with their error;
 * - `client.retry(futures)` runs erred futures again once the cause is fixed;
 * - `cancel()` makes a finished future `cancelled`; a second client holding the key keeps its result;
 * - `client.dashboardLink` when connecting by address.
 *
 * Run: node dist/examples/dask-semantics.js
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, LocalCluster, asCompleted } from 'flotilla';

/** Reads a setting from a file; fails while the file is missing (a stand-in for a missing input). */
async function scaled(settings: string, x: number): Promise<number> {
  const fs = await import('node:fs');
  if (!fs.existsSync(settings)) throw new Error(`no settings file at ${settings}`);
  return x * Number(fs.readFileSync(settings, 'utf8'));
}

const inc = (x: number) => x + 1;

const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 2, dashboardAddress: '127.0.0.1:0' });
const client = await Client.connect(cluster);
const other = await Client.connect(cluster.schedulerAddress);
try {
  const prefixed = client.with({ key: 'step' }).map(inc, [1, 2]);
  const named = client.with({ key: ['alpha', 'beta'] }).map(inc, [10, 20]);
  console.log(`keys: ${[...prefixed, ...named].map((f) => f.key.replace(/-[0-9a-f]{32}$/, '-<hash>')).join(', ')}`);
  console.log(`results: ${JSON.stringify(await client.gather([...prefixed, ...named]))}`);

  const settings = join(mkdtempSync(join(tmpdir(), 'flotilla-example-')), 'settings');
  const futures = client.map(scaled, [settings, settings], [1, 2]);
  for await (const [future, result] of asCompleted(futures, { withResults: true, raiseErrors: false })) {
    console.log(`${future.status}: ${result instanceof Error ? result.message.replace(settings, '<file>') : result}`);
  }
  writeFileSync(settings, '100');
  await client.retry(futures);
  console.log(`after retry: ${JSON.stringify(await client.gather(futures))}`);

  const mine = client.submit(inc, 41);
  const theirs = other.submit(inc, 41);
  await client.gather([mine]);
  await mine.cancel();
  console.log(`cancelled here: ${mine.status}; the other client still gets ${await theirs}`);
  console.log(`dashboard (told by the scheduler): ${other.dashboardLink === cluster.dashboardLink ? 'same link as the cluster' : 'different'}`);
} finally {
  await other.close();
  await client.close();
  await cluster.close();
}
