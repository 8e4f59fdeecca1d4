/**
 * `secede()`: a task that waits on something other than futures (here a file another task writes)
 * gives up its thread first, so the worker can run that other task meanwhile. On a worker with one
 * thread, a watcher that keeps its thread waits in vain (the writer runs only after it gives up); one
 * that secedes sees the file. `client.with({ priority })` (a ClientView) starts the watcher first.
 * (Waits on Queue, Lock, Event or futures through getClient() secede by themselves.)
 *
 * Run:  npm run build && node dist/examples/secede.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, LocalCluster, type ClientView } from 'flotilla';

/** Looks for `file` every 25 ms, at most `looks` times; secedes first when asked to. */
async function watch(file: string, seceding: boolean, looks: number): Promise<string> {
  const { secede } = await import('flotilla');
  const { existsSync } = await import('node:fs');
  if (seceding) secede();
  for (let i = 1; i <= looks; i++) {
    if (existsSync(file)) return 'saw the file';
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return `gave up after ${looks} looks`;
}

/** Writes `file`. */
async function write(file: string): Promise<void> {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, 'ready\n');
}

const folder = mkdtempSync(join(tmpdir(), 'flotilla-secede-'));
const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, dashboardAddress: false });
const client = await Client.connect(cluster);
try {
  const first: ClientView = client.with({ priority: 10 });
  for (const seceding of [false, true]) {
    const file = join(folder, `ready-${seceding}`);
    // Without secede the watcher holds the only thread for its 20 looks; with it, the writer runs at once.
    const watcher = first.submit(watch, file, seceding, seceding ? 1200 : 20);
    const writer = client.submit(write, file);
    const seen = await watcher;
    await writer;
    console.log(`${seceding ? 'with secede' : 'without secede'}: the watcher ${seen}`);
  }
} finally {
  await client.close();
  await cluster.close();
  rmSync(folder, { recursive: true, force: true });
}
