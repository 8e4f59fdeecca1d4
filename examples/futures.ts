/**
 * Futures up close: what a future says about its task (status, done, result, exception, its key),
 * retrying a failed one, cancelling and releasing, an asCompleted that grows while it is read, a view
 * of the client with fixed options, a task the scheduler keeps going without us (fire-and-forget),
 * the task stream, a progress line, and a Lock and an Event used from the client.
 *
 * Run:  npm run build && node dist/examples/futures.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AsCompleted, CancelledError, Client, Event, LocalCluster, Lock, ReleasedFutureError, Variable, progress } from 'flotilla';

/** Fails the first time it runs for `dir` (it leaves a mark there), succeeds after. */
async function flaky(dir: string): Promise<string> {
  const fs = await import('node:fs');
  const mark = `${dir}/tried`;
  if (!fs.existsSync(mark)) {
    fs.writeFileSync(mark, '');
    throw new Error('the first try fails');
  }
  return 'the second try works';
}

/** Waits until the file `gate` exists (bounded: 30 s), then returns `value`. */
async function gated(gate: string, value: number): Promise<number> {
  const fs = await import('node:fs');
  for (let i = 0; i < 3000 && !fs.existsSync(gate); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return value;
}

const dir = mkdtempSync(join(tmpdir(), 'flotilla-futures-'));
const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 2, dashboardAddress: false });
const client = await Client.connect(cluster);
try {
  await client.waitForWorkers(1, { timeoutMs: 30_000 });
  await client.getTaskStream(); // the scheduler records task runs from the first call on
  console.log(`the current client: ${Client.current()?.clientId === client.clientId}`);

  // A view: the same client with fixed options (here a key), chained with more.
  const named = client.with({ key: 'double-21' });
  const double = named.submit((x: number) => x * 2, 21);
  const value = await double.result();
  console.log(`${double.toString()}: ${value} (done ${double.done()}, ${double.status})`);
  const onEvery = await named.with({ priority: 1 }).run(() => 'ran here');
  console.log(`view.run on every worker: ${Object.values(onEvery).join(', ')}`);

  // A failed future keeps its error; retry() runs the task again.
  const attempt = client.submit(flaky, dir);
  console.log(`first: ${(await attempt.exception())?.message} (${attempt.status})`);
  await attempt.retry();
  console.log(`after retry: ${await attempt} (${attempt.status})`);

  // Cancelling through the client; releasing a handle.
  const gate = join(dir, 'go');
  const waiting = client.submit(gated, gate, 1);
  await client.cancel(waiting);
  console.log(`cancelled: ${(await waiting.exception()) instanceof CancelledError} (${waiting.status})`);
  double.release();
  const released = await double.result().then(() => 'still there', (error: unknown) => (error instanceof ReleasedFutureError ? `ReleasedFutureError (${error.key})` : String(error)));
  console.log(`released: ${double.released}, reading it: ${released}`);

  // asCompleted as an object: futures are added while it is read, and it can be stopped early.
  const completed = new AsCompleted([client.submit((x: number) => x + 1, 1)]);
  completed.add(client.submit((x: number) => x + 2, 2));
  completed.add(client.submit(gated, gate, 99));
  console.log(`asCompleted holds ${completed.count}`);
  const steps = [await completed.next(), await completed.next()];
  const values = await Promise.all(steps.map((step) => (step.done ? undefined : step.value.result())));
  await completed.return(); // the gated one is left alone
  console.log(`read ${values.sort().join(' and ')}, then stopped with ${completed.count} left unread`);

  // Fire-and-forget: the scheduler keeps the task going though no future of ours holds it.
  const note = new Variable<string>('note');
  client.fireAndForget(client.submit(async () => {
    const { Variable: V } = await import('flotilla');
    await new V<string>('note').set('written by a forgotten task');
    return 0;
  }));
  console.log(`fire-and-forget: ${await note.get({ timeoutMs: 30_000 })}`);
  await note.delete();

  // A Lock and an Event from the client side.
  const lock = new Lock('futures-example');
  const ready = new Event('futures-ready');
  await lock.acquire();
  console.log(`lock held: ${await lock.locked()}`);
  await lock.release();
  await ready.set();
  const wasSet = await ready.isSet();
  await ready.clear();
  console.log(`event set: ${wasSet}, after clear: ${await ready.isSet()}`);

  // A progress line (a bar on a terminal), and the runs in the task stream.
  writeFileSync(gate, '');
  let line = '';
  const sink = new Writable({ write(chunk, _encoding, done) { line += String(chunk); done(); } }) as unknown as NodeJS.WriteStream;
  const squares = client.map((x: number) => x * x, [1, 2, 3, 4]);
  await progress(squares, { stream: sink });
  console.log(line.trim().split('\n').at(-1)!.replace(/in [\d.]+ s/, 'in <t> s'));
  const runs = await client.getTaskStream();
  const stream = runs.filter((run) => run.group !== 'transfer');
  console.log(`task stream: ${stream.length > 0 ? 'runs recorded' : 'empty'}`);
} finally {
  await client.close();
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
}
