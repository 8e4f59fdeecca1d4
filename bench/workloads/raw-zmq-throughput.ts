/**
 * The raw zeromq.js throughput baseline: request/replies of one 4-byte frame between a ROUTER in this
 * process and a DEALER echo in a child Node process (raw-zmq-echo.ts) over tcp://127.0.0.1, with a
 * fixed number in flight (pipelined: a new request goes out as each reply comes back). Issue 2's
 * throughput targets assume a transport that does 80k of these per second with 256 in flight, so
 * measuring it in the same run tells how fast this machine's transport is right now.
 */
import { ConfigurationError } from '../../src/errors/index.js';
import type { RepetitionLimits } from '../limits.js';
import type { Measurement } from '../workload-types.js';
import { withRawZmqEcho } from './raw-zmq-echo.js';

/** Replies per entry of `samples`: each sample is the rate over one such chunk, to show how steady the stream was. */
const REPLIES_PER_SAMPLE = 1_000;

/** How one throughput pass runs. */
export interface RawThroughputOptions {
  /** Replies to take untimed first (fills the pipe, warms up both sides). */
  warmup: number;
  /** Requests in flight at once (256 where the targets were set). */
  inFlight: number;
  /**
   * Counts are of timed replies: at most `maxRepetitions`, at least `minRepetitions`; no new request
   * once `budgetSeconds` of timed streaming have passed (beyond the minimum); all within `timeLimitSeconds`.
   */
  limits: RepetitionLimits;
  /** Called with the echo child's pid once it is spawned. */
  onEchoStarted?: (pid: number) => void;
}

function checkOptions({ warmup, inFlight, limits }: RawThroughputOptions): void {
  if (!Number.isInteger(inFlight) || inFlight < 1) {
    throw new ConfigurationError(`raw zeromq.js throughput: inFlight must be a whole number of at least 1, got ${String(inFlight)}; use e.g. 256`);
  }
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new ConfigurationError(`raw zeromq.js throughput: warmup must be a whole number of at least 0, got ${String(warmup)}; use e.g. 2000`);
  }
  if (!Number.isInteger(limits.maxRepetitions) || limits.maxRepetitions < 1) {
    throw new ConfigurationError(`raw zeromq.js throughput: limits.maxRepetitions (timed replies) must be a whole number of at least 1, got ${String(limits.maxRepetitions)}`);
  }
}

/**
 * Streams `warmup` untimed replies, then timed ones as `limits` allow, keeping `inFlight` requests
 * outstanding, and checks every reply is the next one expected. `repliesPerSecond` is the timed replies
 * ÷ the time from the last untimed reply (or, without warm-up, the first request) to the last reply.
 * The child process is always gone when this settles.
 * @throws ConfigurationError for a bad count; TimeoutError when the time limit passes; Error when the
 * child fails or echoes wrongly.
 */
export async function measureRawZmqThroughput(options: RawThroughputOptions): Promise<Measurement> {
  checkOptions(options);
  const { warmup, inFlight, limits } = options;
  return withRawZmqEcho(
    { timeLimitSeconds: limits.timeLimitSeconds, what: 'raw zeromq.js pipelined request/replies', ...(options.onEchoStarted ? { onEchoStarted: options.onEchoStarted } : {}) },
    async ({ router, peer, childReadyMs }) => {
      let sent = 0;
      let received = 0;
      let timedStart: number | undefined = warmup === 0 ? performance.now() : undefined;
      let chunkStart = timedStart ?? 0;
      let lastReplyAt = 0;
      const chunkRates: number[] = [];
      // Whether one more request may go out: counts are of timed replies (those after the warm-up).
      const maySend = (): boolean => {
        const timed = sent - warmup;
        if (timed >= limits.maxRepetitions) return false;
        if (timed < limits.minRepetitions) return true;
        return timedStart === undefined || performance.now() - timedStart < limits.budgetSeconds * 1000;
      };
      const send = async (): Promise<void> => {
        const frame = Buffer.allocUnsafe(4);
        frame.writeUInt32LE(sent >>> 0);
        sent++;
        await router.send([peer, frame]);
      };
      // zeromq.js allows one send and one receive at a time, so a single loop refills the window.
      while (sent < inFlight && maySend()) await send();
      while (received < sent) {
        const [, echoed] = await router.receive();
        if (!echoed || echoed.length !== 4 || echoed.readUInt32LE() !== received >>> 0) {
          throw new Error(`raw zeromq.js echo: reply ${received} came back as ${echoed ? echoed.toString('hex') : 'nothing'}`);
        }
        received++;
        const now = performance.now();
        lastReplyAt = now;
        if (received === warmup) timedStart = chunkStart = now;
        else if (received > warmup && (received - warmup) % REPLIES_PER_SAMPLE === 0) {
          chunkRates.push(REPLIES_PER_SAMPLE / ((now - chunkStart) / 1000));
          chunkStart = now;
        }
        if (maySend()) await send();
      }
      const timedReplies = received - warmup;
      const seconds = (lastReplyAt - timedStart!) / 1000;
      return {
        metrics: { repliesPerSecond: timedReplies / seconds },
        samples: chunkRates,
        sampleUnit: 'replies/s',
        detail: { replies: timedReplies, seconds, warmup, inFlight, frameBytes: 4, repliesPerSample: REPLIES_PER_SAMPLE, childReadyMs },
      };
    },
  );
}
