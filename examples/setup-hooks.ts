/**
 * Setting up every worker before work starts: environment variables and logging through
 * `registerWorkerSetup` (which also reaches workers that join later), a one-off `client.run`, and a
 * helper module shipped with `uploadFile` that tasks import, and `unregisterWorkerSetup`, after which
 * workers that join later no longer get the setup.
 *
 * Run:  npm run build && node dist/examples/setup-hooks.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, LocalCluster } from 'flotilla';

const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 2 });
const client = await Client.connect(cluster);
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-setup-example-'));
try {
  // 1. Environment and logging on every task thread of every worker, now and later.
  await client.registerWorkerSetup(
    (threads: string) => {
      process.env.OMP_NUM_THREADS = threads;
      const original = console.log;
      console.log = (...args: unknown[]) => original('[physics]', ...args);
    },
    { name: 'environment', args: ['1'] },
  );

  // 2. A helper module, importable by tasks as './physics.mjs'.
  const helper = join(scratch, 'physics.mjs');
  writeFileSync(helper, 'export const g = 9.80665;\nexport const fallTime = (h) => Math.sqrt((2 * h) / g);\n');
  await client.uploadFile(helper);

  // 3. A one-off check on the workers there now.
  console.log('node versions on workers:', await client.run(() => process.version));

  // 4. A worker that joins later gets the setup and the module before its first task.
  await cluster.scale(2);
  await client.waitForWorkers(2, { timeoutMs: 30_000 });
  const fall = async (height: number) => {
    // @ts-expect-error -- uploaded at run time; resolved in the worker's directory, not here
    const { fallTime } = (await import('./physics.mjs')) as { fallTime: (h: number) => number };
    console.log(`falling from ${height} m`);
    return { height, seconds: fallTime(height), omp: process.env.OMP_NUM_THREADS };
  };
  const heights = [1, 10, 100, 1000];
  for (const result of await client.gather(client.map(fall, heights))) {
    console.log(`${result.height} m: ${result.seconds.toFixed(2)} s (OMP_NUM_THREADS=${result.omp})`);
  }

  // 5. What the tasks printed, from each worker's log.
  const logs = await client.getWorkerLogs({ tail: 20 });
  for (const [worker, lines] of Object.entries(logs)) {
    console.log(`${worker} log:`, lines.filter((l) => l.includes('falling')).length, 'task lines, e.g.', lines.find((l) => l.includes('falling')));
  }

  // 6. Unregistered, the setup no longer reaches workers that join later; the others keep its effects.
  await client.unregisterWorkerSetup('environment');
  await cluster.scale(3);
  await client.waitForWorkers(3, { timeoutMs: 30_000 });
  const omp = await client.run(() => process.env.OMP_NUM_THREADS ?? 'unset');
  console.log(`after unregisterWorkerSetup: ${Object.entries(omp).sort().map(([worker, value]) => `${worker} ${String(value)}`).join(', ')}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
  await client.close();
  await cluster.close();
}
