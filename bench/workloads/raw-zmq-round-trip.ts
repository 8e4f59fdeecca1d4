/**
 * The raw zeromq.js round-trip baseline: sequential round trips of one 4-byte frame between a ROUTER
 * in this process and a DEALER echo in a child Node process (raw-zmq-echo.ts) over tcp://127.0.0.1. It
 * is what issue 2's latency targets were scaled from (94 µs on the machine where they were set), so
 * measuring it in the same run tells how fast this machine's transport is right now.
 */
import type * as zmq from 'zeromq';
import { sampleLatencies } from '../latency-sampler.js';
import type { RepetitionLimits } from '../limits.js';
import type { Measurement } from '../workload-types.js';
import { withRawZmqEcho } from './raw-zmq-echo.js';

async function roundTrip(router: zmq.Router, peer: Buffer, counter: number): Promise<void> {
  const frame = Buffer.allocUnsafe(4);
  frame.writeUInt32LE(counter >>> 0);
  await router.send([peer, frame]);
  const [, echoed] = await router.receive();
  if (!echoed || echoed.length !== 4 || echoed.readUInt32LE() !== counter >>> 0) {
    throw new Error(`raw zeromq.js echo of ${counter} came back as ${echoed ? echoed.toString('hex') : 'nothing'}`);
  }
}

/**
 * Measures `warmup` untimed round trips, then timed ones as `limits` allow, within
 * `limits.timeLimitSeconds` (child start included). The child process is always gone when this settles.
 * @param onEchoStarted - called with the echo child's pid once it is spawned.
 * @throws TimeoutError when the time limit passes; Error when the child fails or echoes wrongly.
 */
export async function measureRawZmqRoundTrip(warmup: number, limits: RepetitionLimits, onEchoStarted?: (pid: number) => void): Promise<Measurement> {
  return withRawZmqEcho(
    { timeLimitSeconds: limits.timeLimitSeconds, what: 'raw zeromq.js round trips', ...(onEchoStarted ? { onEchoStarted } : {}) },
    ({ router, peer, childReadyMs }) =>
      sampleLatencies(warmup, limits, (sequence) => roundTrip(router, peer, sequence), { frameBytes: 4, childReadyMs }),
  );
}
