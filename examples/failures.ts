/**
 * What flotilla says when things go wrong at start or at the wire:
 * - workers that cannot start (here: a bad NODE_OPTIONS) fail the cluster with a WorkerStartError that
 *   carries the exit code and the end of the worker's stderr, instead of restarting forever;
 * - a value nested deeper than flotilla sends is refused before anything is sent.
 *
 * Run: node dist/examples/failures.js
 */
import { Client, LocalCluster, SerializationError, WorkerStartError } from 'flotilla';

const cluster = new LocalCluster({ nWorkers: 1, env: { NODE_OPTIONS: '--not-a-node-flag' }, dashboardAddress: false });
try {
  await cluster.ready;
} catch (error) {
  if (!(error instanceof WorkerStartError)) throw error;
  console.log(`the cluster did not start: worker ${error.worker} exited with code ${error.exitCode} (signal ${error.signal ?? 'none'}); its stderr said: ${error.stderr.trim()}`);
} finally {
  await cluster.close();
}

const client = await Client.connect({ mode: 'sync' });
let tree: Record<string, unknown> = {};
const root = tree;
for (let i = 0; i < 5_000; i++) tree = (tree.child = {}) as Record<string, unknown>;
try {
  client.submit((t: unknown) => t, root);
} catch (error) {
  if (!(error instanceof SerializationError)) throw error;
  console.log(`refused: ${error.message.slice(0, 60)}… ${/nested more than \d+ levels deep/.exec(error.message)?.[0]}`);
}
await client.close();
