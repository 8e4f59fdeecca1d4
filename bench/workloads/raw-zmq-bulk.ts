/**
 * The raw zeromq.js bulk-transfer baseline of scatter and gather: the same number of bytes moved between
 * a ROUTER in this process and a DEALER in a child Node process over tcp://127.0.0.1, in 1 MiB frames,
 * each direction copied into one buffer of the full size as the frames arrive (what a worker does with a
 * scattered value, and what the client does with a gathered one). "Scatter" is here → child, "gather"
 * child → here. Each repetition ends when the receiving side has every byte (the child acknowledges).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import * as zmq from 'zeromq';
import { withTimeLimit } from '../limits.js';
import { median } from '../stats.js';
import type { Measurement } from '../workload-types.js';

const MiB = 1024 * 1024;
/** MB/s in the figures are 10^6 bytes per second, as in the table. */
const MB = 1_000_000;
const FRAME_BYTES = MiB;

/** The child: `s` = receive `bytes` and acknowledge; `g` = send `bytes` back in frames; empty = stop. */
function sinkProgram(zeromqPath: string): string {
  return `
    const zmq = require(${JSON.stringify(zeromqPath)});
    const [endpoint, sizeText] = process.argv.slice(1);
    const bytes = Number(sizeText);
    process.on('disconnect', () => process.exit(0));
    (async () => {
      const dealer = new zmq.Dealer({ linger: 0 });
      dealer.connect(endpoint);
      const source = Buffer.alloc(bytes, 9);
      try {
        await dealer.send('hello');
        for (;;) {
          const [command] = await dealer.receive();
          if (!command || command.length === 0) break;
          if (command[0] === 0x73) {
            const target = Buffer.allocUnsafe(bytes);
            let got = 0;
            while (got < bytes) { const [frame] = await dealer.receive(); frame.copy(target, got); got += frame.length; }
            await dealer.send('done');
          } else {
            for (let offset = 0; offset < bytes; offset += ${FRAME_BYTES}) await dealer.send(source.subarray(offset, offset + ${FRAME_BYTES}));
          }
        }
      } finally {
        dealer.close();
      }
      process.exit(0);
    })().catch((error) => { process.stderr.write('raw zeromq.js bulk: ' + String(error && error.stack || error) + '\\n'); process.exit(1); });
  `;
}

/** Options of {@link measureRawZmqBulk}. */
export interface RawBulkOptions {
  /** Bytes moved per repetition and direction (100 MiB in the bench). */
  bytes: number;
  /** Repetitions per direction; the figures are their medians. */
  repetitions: number;
  timeLimitSeconds: number;
  /** Called with the child's pid once it is spawned. */
  onChildStarted?: (pid: number) => void;
}

/**
 * Moves `bytes` to a child process and back, `repetitions` times each way, and returns
 * `{ scatterMBps, gatherMBps }` (10^6 bytes per second, medians). The child is gone when this settles.
 * @throws TimeoutError when `timeLimitSeconds` pass; Error when the child fails.
 */
export async function measureRawZmqBulk(options: RawBulkOptions): Promise<Measurement> {
  const { bytes, repetitions } = options;
  const router = new zmq.Router({ linger: 0, mandatory: true });
  await router.bind('tcp://127.0.0.1:*');
  const zeromqPath = createRequire(import.meta.url).resolve('zeromq');
  const child = spawn(process.execPath, ['-e', sinkProgram(zeromqPath), router.lastEndpoint!, String(bytes)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  if (child.pid !== undefined) options.onChildStarted?.(child.pid);
  try {
    const work = async (): Promise<Measurement> => {
      const [peer] = await router.receive();
      const source = Buffer.alloc(bytes, 7);
      const scatter: number[] = [];
      const gather: number[] = [];
      for (let r = 0; r < repetitions; r++) {
        let started = performance.now();
        await router.send([peer!, 's']);
        for (let offset = 0; offset < bytes; offset += FRAME_BYTES) await router.send([peer!, source.subarray(offset, offset + FRAME_BYTES)]);
        await router.receive();
        scatter.push(bytes / MB / ((performance.now() - started) / 1000));
        started = performance.now();
        await router.send([peer!, 'g']);
        const target = Buffer.allocUnsafe(bytes);
        let got = 0;
        while (got < bytes) {
          const [, frame] = await router.receive();
          frame!.copy(target, got);
          got += frame!.length;
        }
        gather.push(bytes / MB / ((performance.now() - started) / 1000));
        if (target[bytes - 1] !== 9) throw new Error('raw zeromq.js bulk: the gathered bytes differ from the ones sent');
      }
      await router.send([peer!, Buffer.alloc(0)]);
      return {
        metrics: { scatterMBps: median(scatter), gatherMBps: median(gather) },
        samples: [...scatter, ...gather],
        sampleUnit: 'MB/s (scatter repetitions, then gather)',
        detail: { bytes, frameBytes: FRAME_BYTES, repetitions },
      };
    };
    return await withTimeLimit(work(), options.timeLimitSeconds * 1000, 'raw zeromq.js bulk transfer');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await withTimeLimit(exited, 2_000, 'the raw zeromq.js bulk child exiting').catch(() => {});
    router.close();
  }
}
