/**
 * Chaos: thousands of malformed frames and requests at a worker's data service (the socket other
 * workers and clients fetch results from). The worker must live, keep serving its data, stay
 * registered, and its memory must stay bounded.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { pack } from 'msgpackr';
import { isAlive, withCluster } from '../support/with-cluster.js';
import { flood, generate } from './flood-socket.js';
import { garbageFrames, lyingChunkFrames, residentBytes } from './floods.js';
import { report, seededRandom } from './support.js';

const PEER_OPS = ['get-data', 'data'];
/** Resident memory a worker process may gain from a flood at its data service. */
const WORKER_RSS_BOUND = 48 * 1024 * 1024;
const rss = (pid: number): number => residentBytes(pid, (path) => readFileSync(path, 'utf8'));

describe('chaos: malformed frames at a worker’s data service', () => {
  it('3,000 of them: the worker lives, keeps serving its data, and its memory stays bounded', { timeout: 60_000 }, async () => {
    const seed = Number(process.env.FLOTILLA_CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    await withCluster({ nWorkers: 2, threadsPerWorker: 1 }, async ({ client, cluster }) => {
      const [first, second] = [...cluster.scheduler.view.workers.values()];
      const victim = first!.info;
      // A result held by the flooded worker, fetched later by the other one: its data service must still answer.
      const held = client.with({ workers: [victim.name] }).submit((n: number) => new Uint8Array(n).fill(7), 64 * 1024);
      await held;
      const before = rss(victim.pid);
      const sent = await flood(
        victim.address,
        generate(3_000, () => {
          const roll = random();
          if (roll < 0.15) return lyingChunkFrames(random);
          if (roll < 0.4) return [pack([{ op: 'get-data', id: Math.floor(random() * 1e6), keys: [`no-such-key-${Math.floor(random() * 1e6)}`] }])];
          return garbageFrames(random, PEER_OPS);
        }),
      );
      expect(sent).toBe(3_000);
      const sum = client.with({ workers: [second!.info.name] }).submit((bytes: Uint8Array) => bytes.reduce((s, b) => s + b, 0), held);
      expect(await sum).toBe(7 * 64 * 1024);
      expect(isAlive(victim.pid)).toBe(true);
      expect(cluster.scheduler.view.workerByName(victim.name)?.info.pid).toBe(victim.pid);
      const grown = rss(victim.pid) - before;
      report('worker-data-service-garbage', { seed, messages: sent, rssGrowthMB: Math.round(grown / 1e5) / 10 });
      expect(grown).toBeLessThan(WORKER_RSS_BOUND);
    });
  });
});
