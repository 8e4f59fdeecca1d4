/**
 * Where the time goes: `client.profile()` merges the task threads' stack samples (every 10 ms) into
 * one call tree, and `topFunctions` lists the hottest functions. `filename` also writes a
 * `.cpuprofile` for Chrome DevTools or speedscope.
 *
 *   npm run build && node dist/examples/profile.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, LocalCluster, topFunctions } from 'flotilla';

function simulate(seed: number): number {
  function stepParticles(turns: number): number {
    let x = seed;
    for (let i = 0; i < turns; i++) x = (x * 31 + i) % 1_000_003;
    return x;
  }
  return stepParticles(20_000_000);
}

const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, dashboardAddress: false });
const client = await Client.connect(cluster);
const dir = mkdtempSync(join(tmpdir(), 'flotilla-profile-example-'));
try {
  await client.gather(client.map(simulate, [1, 2, 3, 4]));
  const tree = await client.profile({ group: 'simulate', filename: join(dir, 'simulate.cpuprofile') });
  const [hottest] = topFunctions(tree, 1);
  console.log(`${tree.count} samples; hottest function: ${hottest?.name} (${hottest?.self} samples)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await client.close();
  await cluster.close();
}
