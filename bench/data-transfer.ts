/**
 * Issue 3's data figures: scatter and gather of 100 MB between this process and one worker, next to
 * raw zeromq.js moving the same bytes in 1 MiB frames to another process in the same run (the machine
 * is shared: compare the ratio); and the 800 MB object-store workload's peak RSS per worker.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { Client, LocalCluster } from '../src/index.js';
import { median } from './stats.js';

const MB = 1024 * 1024;
const GiB = 1024 * MB;

/** Raw zeromq.js: a ROUTER here sends `bytes` in 1 MiB frames to a DEALER in a child process. */
async function rawZmqGiBps(bytes: number, repetitions: number): Promise<number> {
  const router = new zmq.Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const zmqPath = fileURLToPath(import.meta.resolve('zeromq'));
  const script = `
    const zmq = require(${JSON.stringify(zmqPath)});
    (async () => {
      const d = new zmq.Dealer({ linger: 0, routingId: 'sink' });
      d.connect(${JSON.stringify(router.lastEndpoint)});
      await d.send('hello');
      for (;;) {
        let got = 0; let total = -1; let target;
        for (;;) {
          const [f] = await d.receive();
          if (f.length === 1 && f[0] === 0) return d.close();
          if (!target) target = new Uint8Array(new SharedArrayBuffer(${bytes}));
          target.set(f, got); got += f.length;
          if (got >= ${bytes}) break;
        }
        await d.send('done');
      }
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
  try {
    const [peer] = await router.receive();
    const source = Buffer.alloc(bytes, 7);
    const rates: number[] = [];
    for (let r = 0; r < repetitions; r++) {
      const started = performance.now();
      for (let offset = 0; offset < bytes; offset += MB) await router.send([peer!, source.subarray(offset, offset + MB)]);
      await router.receive();
      rates.push(bytes / GiB / ((performance.now() - started) / 1000));
    }
    await router.send([peer!, Buffer.from([0])]);
    await once(child, 'exit');
    return median(rates);
  } finally {
    child.kill();
    router.close();
  }
}

/** Scatter (client → worker) and gather (worker → client) of `bytes`, GiB/s medians. */
async function flotillaGiBps(bytes: number, repetitions: number): Promise<{ scatter: number; gather: number }> {
  const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, dashboardAddress: false });
  const client = await Client.connect(cluster);
  try {
    const data = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i += 4096) data[i] = i & 0xff;
    const scatters: number[] = [];
    const gathers: number[] = [];
    for (let r = 0; r < repetitions; r++) {
      let started = performance.now();
      const [future] = await client.scatter([data]);
      scatters.push(bytes / GiB / ((performance.now() - started) / 1000));
      started = performance.now();
      const back = (await future!.result()) as Uint8Array;
      gathers.push(bytes / GiB / ((performance.now() - started) / 1000));
      if (back.byteLength !== bytes || back[4096] !== data[4096]) throw new Error('gathered bytes differ from the scattered ones');
      future!.release();
    }
    return { scatter: median(scatters), gather: median(gathers) };
  } finally {
    await client.close();
    await cluster.close();
  }
}

export async function benchDataTransfer(options: { megabytes?: number; repetitions?: number } = {}): Promise<Record<string, number>> {
  const bytes = (options.megabytes ?? 100) * MB;
  const repetitions = options.repetitions ?? 3;
  const raw = await rawZmqGiBps(bytes, repetitions);
  const ours = await flotillaGiBps(bytes, repetitions);
  return {
    megabytes: bytes / MB,
    scatterGiBps: ours.scatter,
    gatherGiBps: ours.gather,
    rawZmqGiBps: raw,
    scatterVsRaw: ours.scatter / raw,
    gatherVsRaw: ours.gather / raw,
  };
}

/** Runs examples/object-store.js (800 MB broadcast to 2 workers × 2 threads) and reads its figures. */
export async function benchObjectStore(options: { megabytes?: number } = {}): Promise<Record<string, number>> {
  const megabytes = options.megabytes ?? 800;
  const example = fileURLToPath(new URL('../examples/object-store.js', import.meta.url));
  const child = spawn(process.execPath, [example, String(megabytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`object-store example exited with ${code}: ${output}`);
  const ratios = [...output.matchAll(/peak RSS (\d+) MB = ([\d.]+) ×/g)].map((m) => Number(m[2]));
  const broadcast = /broadcast to 2 workers in ([\d.]+) s/.exec(output);
  if (ratios.length !== 2) throw new Error(`could not read two peak RSS figures from: ${output}`);
  return { megabytes, peakRssRatioMax: Math.max(...ratios), peakRssRatioMin: Math.min(...ratios), broadcastSeconds: Number(broadcast?.[1] ?? NaN) };
}
