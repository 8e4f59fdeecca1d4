/**
 * The errors flotilla throws are classes under FlotillaError, each with a stable `code`, and they keep
 * their class (and the remote stack) when they come from a worker. This shows the ones a task meets
 * most, what each carries, and the codes of the others.
 *
 * Run:  npm run build && node dist/examples/errors.js
 */
import {
  AuthenticationError, CancelledError, Client, ConfigurationError, FlotillaError, FunctionShippingError, InvalidTransitionError,
  JobCleanupError, JobSubmissionError, KilledWorkerError, LocalCluster, LostResultError, ProtocolError, SerializationError, TaskError,
  TimeoutError,
} from 'flotilla';

/** Waits until the file `gate` exists (bounded: 30 s). */
async function gated(gate: string): Promise<void> {
  const fs = await import('node:fs');
  for (let i = 0; i < 3000 && !fs.existsSync(gate); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** The error `promise` rejects with (or undefined when it resolves). */
const failure = (promise: PromiseLike<unknown>): Promise<unknown> => Promise.resolve(promise).then(() => undefined, (error: unknown) => error);

const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, allowedFailures: 1, dashboardAddress: false });
const client = await Client.connect(cluster);
try {
  await client.waitForWorkers(1, { timeoutMs: 30_000 });

  // Your task threw: a TaskError with the original name, the task's key and the stack on the worker.
  const thrown = await failure(client.with({ key: 'parse-7' }).submit(() => {
    throw new RangeError('line 7 is out of range');
  }));
  if (thrown instanceof TaskError) {
    console.log(`${thrown.code}: ${thrown.name} in ${thrown.key}: ${thrown.message}; remote stack starts "${thrown.remoteStack?.split('\n')[0]}"`);
  }

  // A wait ran out of time; a cancelled future names its key.
  const late = await failure(client.waitForWorkers(3, { timeoutMs: 100 }));
  if (late instanceof TimeoutError) console.log(`${late.code}: ${late.message.split(':')[0]}`);
  const held = client.submit(gated, '/nonexistent/gate');
  await held.cancel();
  const cancelled = await failure(held);
  if (cancelled instanceof CancelledError) console.log(`${cancelled.code}: keys ${cancelled.keys.length === 1 && cancelled.keys[0] === held.key}`);

  // What cannot travel is refused before anything is sent.
  const bound = function (this: { x: number }) {
    return this.x;
  }.bind({ x: 1 });
  try {
    client.submit(bound);
  } catch (error) {
    if (error instanceof FunctionShippingError) console.log(`${error.code}: a bound function is refused at submit`);
  }

  // A task that kills its worker allowedFailures times: KilledWorkerError, naming the workers that died.
  const fatal = client.submit(() => process.kill(process.pid, 'SIGKILL'));
  const killer = await failure(fatal);
  if (killer instanceof KilledWorkerError) console.log(`${killer.code}: ${killer.key === fatal.key ? 'its key' : killer.key}, after ${killer.workers.length} worker death(s)`);

  // Every class is a FlotillaError; its class knows its code and name.
  console.log(`all FlotillaError: ${[thrown, late, cancelled, killer].every((error) => error instanceof FlotillaError)}`);
  const others = [SerializationError, ConfigurationError, AuthenticationError, ProtocolError, InvalidTransitionError, LostResultError, JobSubmissionError, JobCleanupError];
  console.log(`other codes: ${others.map((kind) => `${kind.errorName} ${kind.code}`).join(', ')}`);
} finally {
  await client.close();
  await cluster.close();
}
