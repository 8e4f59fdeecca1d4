/**
 * Scatter and gather of one large binary value between the client and a worker: `client.scatter` of
 * `bytes` (until the future exists, i.e. the worker holds the bytes), then `future.result()` of it
 * (until every byte is back here). Compared with the raw zeromq.js bulk transfer of the same bytes.
 */
import type { Client } from '../../src/index.js';
import { median } from '../stats.js';
import type { Measurement } from '../workload-types.js';

/** 10^6 bytes, as in the MB/s. */
const MB = 1_000_000;

/** `warmup` untimed, then `repetitions` timed scatters and gathers of `bytes`, checked, released; figures are MB/s medians. */
export async function measureScatterGather(client: Client, bytes: number, warmup: number, repetitions: number): Promise<Measurement> {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) data[i] = (i >>> 12) & 0xff;
  const scatter: number[] = [];
  const gather: number[] = [];
  for (let r = -warmup; r < repetitions; r++) {
    let started = performance.now();
    const [future] = await client.scatter([data]);
    const scatterMBps = bytes / MB / ((performance.now() - started) / 1000);
    try {
      started = performance.now();
      const back = (await future!.result()) as Uint8Array;
      const gatherMBps = bytes / MB / ((performance.now() - started) / 1000);
      if (back.byteLength !== bytes) throw new Error(`gathered ${back.byteLength} bytes, scattered ${bytes}`);
      for (let i = 0; i < bytes; i += 4096) if (back[i] !== data[i]) throw new Error(`gathered byte ${i} differs from the scattered one`);
      if (r >= 0) {
        scatter.push(scatterMBps);
        gather.push(gatherMBps);
      }
    } finally {
      future!.release();
    }
  }
  return {
    metrics: { scatterMBps: median(scatter), gatherMBps: median(gather) },
    samples: [...scatter, ...gather],
    sampleUnit: 'MB/s (scatter repetitions, then gather)',
    detail: { bytes, warmup, repetitions },
  };
}
