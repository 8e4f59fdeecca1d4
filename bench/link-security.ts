/**
 * Round trip of one small message over the link kinds a cluster can use: TCP loopback, TCP loopback
 * with CURVE, and `ipc://` (a Unix socket in a private directory). Run: `node dist/bench/link-security.js [ROUNDS]`.
 * Prints the median and 99th percentile in microseconds, and the time of a 16 MiB transfer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DealerLink, RouterEndpoint } from '../src/transport/endpoints.js';
import { makeCurveCredentials, type CurveCredentials } from '../src/transport/security.js';

async function measure(url: string, rounds: number, security?: CurveCredentials): Promise<{ p50: number; p99: number; bulkMs: number }> {
  const server = new RouterEndpoint(() => {}, security);
  const bound = await server.bind(url);
  server.start((peer, raw) => { for (const m of raw as object[]) server.send(peer, m); }, () => {});
  const client = new DealerLink(bound, `bench-${process.pid}`, () => {}, security);
  let waiting: (() => void) | undefined;
  client.start(() => waiting?.(), () => {});
  const once = (message: object) => new Promise<void>((resolve) => { waiting = resolve; client.send(message); });
  for (let i = 0; i < 200; i++) await once({ op: 'ping', i }); // warm up (and complete the handshake)
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    await once({ op: 'ping', i });
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const bulk = new Uint8Array(16 * 1024 * 1024);
  const bulkStart = process.hrtime.bigint();
  await once({ op: 'bulk', data: bulk });
  const bulkMs = Number(process.hrtime.bigint() - bulkStart) / 1e6;
  await client.close();
  await server.close();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(rounds / 2)]!, p99: times[Math.floor(rounds * 0.99)]!, bulkMs };
}

const rounds = Number(process.argv[2] ?? 5000);
const directory = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
try {
  const rows: [string, Awaited<ReturnType<typeof measure>>][] = [
    ['tcp 127.0.0.1', await measure('tcp://127.0.0.1:0', rounds)],
    ['tcp 127.0.0.1 + CURVE', await measure('tcp://127.0.0.1:0', rounds, makeCurveCredentials())],
    ['ipc (0700 directory)', await measure(`ipc://${join(directory, 's')}`, rounds)],
  ];
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(24)} round trip p50 ${r.p50.toFixed(0).padStart(4)} µs  p99 ${r.p99.toFixed(0).padStart(5)} µs  16 MiB echo ${r.bulkMs.toFixed(1)} ms`);
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
