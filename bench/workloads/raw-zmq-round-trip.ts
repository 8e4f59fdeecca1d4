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
import { withRawZmqEcho, type EchoShape } from './raw-zmq-echo.js';

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
 * @param shape - what answers: a direct echo (one hop), one behind a thread hop, or one behind a relay (two hops).
 * @throws TimeoutError when the time limit passes; Error when the child fails or echoes wrongly.
 */
export async function measureRawZmqRoundTrip(warmup: number, limits: RepetitionLimits, onEchoStarted?: (pid: number) => void, shape: EchoShape = 'direct'): Promise<Measurement> {
  return withRawZmqEcho(
    { timeLimitSeconds: limits.timeLimitSeconds, what: `raw zeromq.js round trips (${shape})`, shape, ...(onEchoStarted ? { onEchoStarted } : {}) },
    ({ router, peer, childReadyMs }) =>
      sampleLatencies(warmup, limits, (sequence) => roundTrip(router, peer, sequence), { frameBytes: 4, shape, childReadyMs }),
  );
}

/**
 * The floors of a task's round trip, measured one after the other: one hop (`medianMs`, `p99Ms`, the
 * figures every latency row is a ratio to), one hop plus a main ↔ worker-thread `postMessage` hop
 * (`threadHop…`: what a LocalCluster task crosses, its scheduler living in the client's process), and
 * two hops through a relay process (`relay…`: a remote client's task, client → scheduler → worker).
 * `floorThreadHop` and `floorRelay` are those medians over the one-hop median: the best ratio a design
 * with that many hops can reach.
 */
export async function measureRawZmqHops(warmup: number, limits: RepetitionLimits, onEchoStarted?: (pid: number) => void): Promise<Measurement> {
  const direct = await measureRawZmqRoundTrip(warmup, limits, onEchoStarted, 'direct');
  const threadHop = await measureRawZmqRoundTrip(warmup, limits, onEchoStarted, 'threadHop');
  const relay = await measureRawZmqRoundTrip(warmup, limits, onEchoStarted, 'relay');
  const one = direct.metrics.medianMs!;
  return {
    metrics: {
      ...direct.metrics,
      threadHopMedianMs: threadHop.metrics.medianMs!,
      threadHopP99Ms: threadHop.metrics.p99Ms!,
      relayMedianMs: relay.metrics.medianMs!,
      relayP99Ms: relay.metrics.p99Ms!,
    },
    samples: direct.samples,
    sampleUnit: direct.sampleUnit,
    detail: {
      ...direct.detail,
      floorThreadHop: threadHop.metrics.medianMs! / one,
      floorRelay: relay.metrics.medianMs! / one,
      threadHop: threadHop.detail,
      relay: relay.detail,
    },
  };
}
