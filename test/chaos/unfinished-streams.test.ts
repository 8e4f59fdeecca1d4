/**
 * Chaos: many peers open chunked streams they never finish, at the scheduler and at a worker's data
 * service. Whatever the receiver held for them must be let go: memory comes back to where it started
 * once those peers have gone.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isAlive, waitUntil, withCluster } from '../support/with-cluster.js';
import { flood } from './flood-socket.js';
import { residentBytes, settledMemory, unfinishedStream, type Frames } from './floods.js';
import { report, seededRandom } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const PEERS = 20;
const STREAMS_PER_PEER = 10;
const STREAM_BYTES = 1024 * 1024;
/** What the scheduler's heap may keep after the peers have gone, of the 150 MiB they sent (200 streams, each 3/4 full). */
const BOUND = 24 * 1024 * 1024;
/**
 * What a worker's resident memory may keep: freed buffers are not all handed back to the system at once,
 * so the bound is looser, but far below the 150 MiB a receiver that kept the streams would hold.
 */
const WORKER_RSS_BOUND = 64 * 1024 * 1024;

/** The chunk messages of `count` unfinished streams. */
function* streams(random: () => number, count: number): Generator<Frames> {
  for (let i = 0; i < count; i++) yield* unfinishedStream(random, STREAM_BYTES);
}

describe('chaos: streams that never complete', () => {
  it(`${PEERS} peers × ${STREAMS_PER_PEER} unfinished 1 MiB streams (3/4 sent) at the scheduler: memory back once they go`, { timeout: 60_000 }, async () => {
    const seed = Number(process.env.FLOTILLA_CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client, cluster }) => {
      expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
      const before = settledMemory(gc);
      let sent = 0;
      for (let peer = 0; peer < PEERS; peer++) sent += await flood(cluster.schedulerAddress, streams(random, STREAMS_PER_PEER));
      expect(await client.submit((x: number) => x * 2, 21)).toBe(42); // everything before it has been read
      let grown = Infinity;
      await waitUntil(() => (grown = settledMemory(gc) - before) < BOUND, `memory back within ${BOUND} bytes (grown ${grown})`, 20_000);
      report('scheduler-unfinished-streams', { seed, peers: PEERS, chunkMessages: sent, sentMB: (sent * 256) / 1024, heapGrowthMB: Math.round(grown / 1e5) / 10 });
    });
  });

  it(`${PEERS} peers × ${STREAMS_PER_PEER} unfinished 1 MiB streams (3/4 sent) at a worker’s data service: it lives and its memory comes back`, { timeout: 60_000 }, async () => {
    const seed = Number(process.env.FLOTILLA_CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client, cluster }) => {
      const [worker] = [...cluster.scheduler.view.workers.values()];
      const { pid, address } = worker!.info;
      expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
      const rss = (): number => residentBytes(pid, (path) => readFileSync(path, 'utf8'));
      const before = rss();
      let sent = 0;
      for (let peer = 0; peer < PEERS; peer++) sent += await flood(address, streams(random, STREAMS_PER_PEER));
      expect(await client.submit((x: number) => x * 2, 21)).toBe(42);
      let grown = Infinity;
      await waitUntil(() => (grown = rss() - before) < WORKER_RSS_BOUND, `worker memory back within ${WORKER_RSS_BOUND} bytes (grown ${grown})`, 20_000);
      expect(isAlive(pid)).toBe(true);
      report('worker-unfinished-streams', { seed, peers: PEERS, chunkMessages: sent, rssGrowthMB: Math.round(grown / 1e5) / 10 });
    });
  });
});
