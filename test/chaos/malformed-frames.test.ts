/**
 * Chaos: thousands of malformed frames and messages at the scheduler and at a worker's data
 * service, from peers that connect like any other (the owner's own sockets: what a buggy or hostile
 * program of the owner, or a compromised worker, can send). Nothing may crash, the cluster must go on
 * serving, the scheduler's state must stay valid, and memory must come back to where it started.
 */
import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pack } from 'msgpackr';
import { waitUntil, withCluster } from '../support/with-cluster.js';
import { flood, generate } from './flood-socket.js';
import { garbageFrames, lyingChunkFrames, settledMemory, wrongFields } from './floods.js';
import { report, seededRandom } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CLIENT_OPS = ['hello', 'functions', 'submit', 'release', 'cancel', 'who-has', 'gather-proxy', 'run', 'register-setup', 'unregister-setup', 'worker-logs', 'scatter', 'upload-file', 'info', 'task-stream', 'heartbeat', 'goodbye'];
const WORKER_OPS_WITHOUT_REGISTER = ['heartbeat', 'task-finished', 'task-erred', 'started', 'missing-data', 'data-stored', 'run-result', 'logs', 'data-reply', 'upload-done', 'unregister', 'retire-me'];

/** Log lines a flood of thousands of bad messages may cause: one summary per kind every few seconds. */
const MAX_WARNING_LINES = 60;
/** Memory the scheduler (in this process) may keep after a flood, over what it held before. */
const SCHEDULER_MEMORY_BOUND = 24 * 1024 * 1024;

/** Counts the lines written to stderr while `body` runs (the scheduler's warnings, in this process), and keeps the ERROR ones. */
async function countingStderr<T>(body: () => Promise<T>): Promise<{ result: T; lines: number; errors: string[] }> {
  const write = process.stderr.write.bind(process.stderr);
  let lines = 0;
  const errors: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    lines += text.split('\n').length - 1;
    if (/ ERROR /.test(text)) errors.push(text.slice(0, 300));
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    return { result: await body(), lines, errors };
  } finally {
    process.stderr.write = write;
  }
}

describe('chaos: malformed frames and messages', () => {
  it('3,000 at the scheduler from peers that never said hello: no crash, still serving, memory back', { timeout: 60_000 }, async () => {
    const seed = Number(process.env.FLOTILLA_CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client, cluster }) => {
      expect(await client.submit((x: number) => x + 1, 1)).toBe(2); // warm: the baseline includes a working cluster
      const before = settledMemory(gc);
      const ops = [...CLIENT_OPS, ...WORKER_OPS_WITHOUT_REGISTER];
      const { result: sent, lines } = await countingStderr(async () => {
        let total = 0;
        for (let vandal = 0; vandal < 3; vandal++) {
          total += await flood(cluster.schedulerAddress, generate(1_000, () => (random() < 0.15 ? lyingChunkFrames(random) : garbageFrames(random, ops))));
        }
        // Everything sent has been read once a message sent after it is answered (one socket, in order).
        expect(await client.submit((x: number) => x * 2, 21)).toBe(42);
        return total;
      });
      expect(sent).toBe(3_000);
      expect(lines, 'bad messages are summarised, not logged one line each').toBeLessThanOrEqual(MAX_WARNING_LINES);
      expect(cluster.scheduler.workerCount).toBe(1);
      expect(await client.gather(client.map((x: number) => x * x, [1, 2, 3, 4]))).toEqual([1, 4, 9, 16]);
      const grown = settledMemory(gc) - before;
      report('scheduler-garbage', { seed, messages: sent, warningLines: lines, heapGrowthMB: Math.round(grown / 1e5) / 10 });
      expect(grown).toBeLessThan(SCHEDULER_MEMORY_BOUND);
    });
  });

  it('2,000 from a peer that said hello as a client, with wrong fields in every client op: nothing changes, still serving', { timeout: 60_000 }, async () => {
    const seed = Number(process.env.FLOTILLA_CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client, cluster }) => {
      expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
      const before = settledMemory(gc);
      const tasksBefore = JSON.stringify(cluster.scheduler.view.countsByState());
      const hello = [pack([{ op: 'hello', clientId: 'vandal', version: '1' }])];
      const messages = (function* () {
        yield hello;
        for (let i = 0; i < 2_000; i++) yield random() < 0.8 ? [pack([wrongFields(random, CLIENT_OPS.filter((op) => op !== 'hello'))])] : garbageFrames(random, CLIENT_OPS);
      })();
      const { result: sent, errors } = await countingStderr(async () => {
        const count = await flood(cluster.schedulerAddress, messages);
        expect(await client.submit((x: number) => x * 2, 21)).toBe(42);
        return count;
      });
      expect(errors, 'no message got past validation to fail in a handler').toEqual([]);
      expect(sent).toBe(2_001);
      expect(cluster.scheduler.workerCount).toBe(1);
      cluster.scheduler.view.validate();
      await waitUntil(() => JSON.stringify(cluster.scheduler.view.countsByState()) === tasksBefore, 'the scheduler holds what it held before');
      const grown = settledMemory(gc) - before;
      report('scheduler-client-garbage', { seed, messages: sent, heapGrowthMB: Math.round(grown / 1e5) / 10 });
      expect(grown).toBeLessThan(SCHEDULER_MEMORY_BOUND);
    });
  });
});
