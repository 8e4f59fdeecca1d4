/**
 * The echo peer of the raw zeromq.js baselines (round trip and throughput): a ROUTER bound here on
 * tcp://127.0.0.1 and a DEALER in a child Node process that says hello and sends every frame it
 * receives straight back, until an empty frame tells it to stop.
 *
 * The child's program is a string run with `node -e`, so it starts the same way from the compiled
 * bench (dist/) and from the TypeScript sources under vitest, where no compiled script sits next to
 * this file. It also exits when the parent's IPC channel closes, so a bench that dies (even by
 * SIGKILL) leaves no echo process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import * as zmq from 'zeromq';
import { remainingMs, withTimeLimit } from '../limits.js';
import { elapsedMs } from '../stats.js';
import { echoProgram, type EchoShape } from './raw-zmq-programs.js';

export type { EchoShape };

/** How long the child may take to start and say hello; Node starts slowly on this shared VM. */
const CHILD_READY_LIMIT_MS = 15_000;
/** How long the child may take to exit after the stop frame (or after SIGKILL) before we stop waiting. */
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
  /** Resolves when the child has exited (and been reaped), with how. */
  exited: Promise<string>;
}

function startEcho(endpoint: string, shape: EchoShape): Echo {
  const zeromqPath = createRequire(import.meta.url).resolve('zeromq');
  const child = spawn(process.execPath, ['-e', echoProgram(shape, zeromqPath), endpoint], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  liveEchoes.add(child);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      liveEchoes.delete(child);
      resolve(`code ${String(code)}, signal ${String(signal)}`);
    });
    child.once('error', (error) => {
      liveEchoes.delete(child);
      resolve(`could not start: ${error.message}`);
    });
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

/** What the body of {@link withRawZmqEcho} works with. */
export interface EchoSession {
  /** Bound on tcp://127.0.0.1, `mandatory` (a send to a gone peer throws instead of vanishing). */
  router: zmq.Router;
  /** The echo child's routing id: send `[peer, frame]` and it comes back as `[peer, frame]`. */
  peer: Buffer;
  /** How long the child took from spawn to its hello, ms. */
  childReadyMs: number;
}

/** Options of {@link withRawZmqEcho}. */
export interface EchoOptions {
  /** Everything, child start included, must finish within this many seconds. */
  timeLimitSeconds: number;
  /** Names the work in a TimeoutError, e.g. `raw zeromq.js round trips`. */
  what: string;
  /** Called with the child's pid as soon as it is spawned (tests use it to check the child is gone afterwards). */
  onEchoStarted?: (pid: number) => void;
  /** What stands behind the ROUTER (raw-zmq-programs.ts). @defaultValue `'direct'` */
  shape?: EchoShape;
}

/**
 * Starts an echo child, waits for its hello, runs `body`, then stops the child: with the stop frame,
 * and with SIGKILL when that does not end it. The child has exited when this settles, whatever happened.
 * @throws TimeoutError when `timeLimitSeconds` pass; Error when the child exits early or `body` throws.
 */
export async function withRawZmqEcho<T>(options: EchoOptions, body: (session: EchoSession) => Promise<T>): Promise<T> {
  const deadline = performance.now() + options.timeLimitSeconds * 1000;
  const router = new zmq.Router({ linger: 0, mandatory: true });
  let echo: Echo | undefined;
  try {
    await router.bind('tcp://127.0.0.1:*');
    echo = startEcho(router.lastEndpoint!, options.shape ?? 'direct');
    if (echo.child.pid !== undefined) options.onEchoStarted?.(echo.child.pid);
    const readyStart = performance.now();
    const hello = withTimeLimit(router.receive(), Math.min(CHILD_READY_LIMIT_MS, remainingMs(deadline)), 'the raw zeromq.js echo process saying hello');
    hello.catch(() => {}); // after an early exit, closing the socket rejects it; nobody waits for it then
    const [peer] = await unlessChildExits(echo, hello);
    if (!peer) throw new Error('the raw zeromq.js echo process said hello without a routing id');
    const working = body({ router, peer, childReadyMs: elapsedMs(readyStart) });
    working.catch(() => {}); // as above, after a timeout or an early exit
    const value = await withTimeLimit(unlessChildExits(echo, working), remainingMs(deadline), options.what);
    // An empty frame tells the child to stop; one that lingers is killed below all the same.
    await withTimeLimit(router.send([peer, Buffer.alloc(0)]), CHILD_EXIT_GRACE_MS, 'the stop frame to the raw zeromq.js echo process').catch(() => {});
    await withTimeLimit(echo.exited, CHILD_EXIT_GRACE_MS, 'the raw zeromq.js echo process exiting').catch(() => {});
    return value;
  } finally {
    if (echo) {
      killIfRunning(echo.child);
      // Wait for the exit (the reaping), so no zombie or live child remains when this settles.
      await withTimeLimit(echo.exited, CHILD_EXIT_GRACE_MS, 'the killed raw zeromq.js echo process exiting').catch(() => {});
    }
    router.close();
  }
}
