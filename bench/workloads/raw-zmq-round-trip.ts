/**
 * The raw zeromq.js baseline: sequential round trips of one 4-byte frame between a ROUTER in this
 * process and a DEALER in a forked child Node process (raw-zmq-echo.ts) over tcp://127.0.0.1. It is
 * what issue 2's latency targets were scaled from (94 µs on the machine where they were set), so
 * measuring it in the same run tells how fast this machine's transport is right now.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { RepetitionGate, remainingMs, withTimeLimit, type RepetitionLimits } from '../limits.js';
import { elapsedMs, median, quantile } from '../stats.js';
import type { Measurement } from '../workload-types.js';

/** How long the child may take to start and say hello; Node starts slowly on this shared VM. */
const CHILD_READY_LIMIT_MS = 15_000;
/** How long the child may take to exit after the stop frame before it is killed. */
const CHILD_EXIT_GRACE_MS = 2_000;

/** Echo children alive right now, so a Ctrl-C can kill them (they also exit when this process goes). */
const liveEchoes = new Set<ChildProcess>();

/** Kills every echo child still running (for the bench's signal handler). */
export function killAllRawZmqEchoes(): void {
  for (const child of liveEchoes) killIfRunning(child);
}

function killIfRunning(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

interface Echo {
  child: ChildProcess;
  /** Resolves when the child has exited, with how. */
  exited: Promise<string>;
}

function startEcho(endpoint: string): Echo {
  // This file compiles to dist/bench/workloads/, next to the echo script.
  const script = fileURLToPath(new URL('./raw-zmq-echo.js', import.meta.url));
  const child = fork(script, [endpoint], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  liveEchoes.add(child);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      liveEchoes.delete(child);
      resolve(`code ${String(code)}, signal ${String(signal)}`);
    });
    child.once('error', (error) => resolve(`could not start: ${error.message}`));
  });
  return { child, exited };
}

/** Rejects when the child exits before `work` settles, so a crashed echo fails at once instead of at the time limit. */
function unlessChildExits<T>(echo: Echo, work: Promise<T>): Promise<T> {
  const early = echo.exited.then((how) => {
    throw new Error(`the raw zeromq.js echo process exited early (${how})`);
  });
  early.catch(() => {}); // only matters while racing
  return Promise.race([work, early]);
}

async function roundTrip(router: zmq.Router, peer: Buffer, counter: number): Promise<void> {
  const frame = Buffer.allocUnsafe(4);
  frame.writeUInt32LE(counter >>> 0);
  await router.send([peer, frame]);
  const [, echoed] = await router.receive();
  if (!echoed || echoed.length !== 4 || echoed.readUInt32LE() !== counter >>> 0) {
    throw new Error(`raw zeromq.js echo of ${counter} came back as ${echoed ? echoed.toString('hex') : 'nothing'}`);
  }
}

async function measureOnSocket(router: zmq.Router, warmup: number, limits: RepetitionLimits): Promise<{ measurement: Measurement; peer: Buffer }> {
  const readyStart = performance.now();
  const [peer] = await withTimeLimit(router.receive(), CHILD_READY_LIMIT_MS, 'the raw zeromq.js echo process saying hello');
  const childReadyMs = elapsedMs(readyStart);
  if (!peer) throw new Error('the raw zeromq.js echo process said hello without a routing id');
  for (let i = 0; i < warmup; i++) await roundTrip(router, peer, i);
  const gate = new RepetitionGate(limits);
  const latencies: number[] = [];
  while (gate.mayRepeat(latencies.length)) {
    const start = performance.now();
    await roundTrip(router, peer, warmup + latencies.length);
    latencies.push(elapsedMs(start));
  }
  const measurement: Measurement = {
    metrics: { medianMs: median(latencies), p99Ms: quantile(latencies, 0.99) },
    samples: latencies,
    sampleUnit: 'ms',
    detail: { calls: latencies.length, warmup, frameBytes: 4, childReadyMs },
  };
  return { measurement, peer };
}

/**
 * Measures `warmup` untimed round trips, then timed ones as `limits` allow, within
 * `limits.timeLimitSeconds`. The child process is always gone when this settles.
 * @throws TimeoutError when the time limit passes; Error when the child fails or echoes wrongly.
 */
export async function measureRawZmqRoundTrip(warmup: number, limits: RepetitionLimits): Promise<Measurement> {
  const deadline = performance.now() + limits.timeLimitSeconds * 1000;
  const router = new zmq.Router({ linger: 0, mandatory: true });
  let echo: Echo | undefined;
  try {
    await router.bind('tcp://127.0.0.1:*');
    echo = startEcho(router.lastEndpoint!);
    const measuring = measureOnSocket(router, warmup, limits);
    measuring.catch(() => {}); // after a timeout or an early exit, closing the socket rejects it; nobody waits for it then
    const { measurement, peer } = await withTimeLimit(unlessChildExits(echo, measuring), remainingMs(deadline), 'raw zeromq.js round trips');
    // An empty frame tells the child to stop; one that lingers is killed below all the same.
    await withTimeLimit(router.send([peer, Buffer.alloc(0)]), CHILD_EXIT_GRACE_MS, 'the stop frame to the raw zeromq.js echo process').catch(() => {});
    await withTimeLimit(echo.exited, CHILD_EXIT_GRACE_MS, 'the raw zeromq.js echo process exiting').catch(() => {});
    return measurement;
  } finally {
    if (echo) killIfRunning(echo.child);
    router.close();
  }
}
