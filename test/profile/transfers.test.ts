import { describe, expect, it } from 'vitest';
import { coreOf } from '../../src/client/client-core.js';
import type { SchedulerReply } from '../../src/client/session.js';
import type { Client } from '../../src/index.js';
import { withCluster } from '../support/with-cluster.js';

const N = 200_000;

/** Starts the task stream's recording; returns since when, and the one worker's id. */
async function startRecording(client: Client): Promise<{ since: number; worker: string }> {
  await client.waitForWorkers(1);
  const since = Date.now();
  await client.getTaskStream({ since });
  const [worker] = (await client.schedulerInfo()).workers.map((w) => w.id);
  return { since, worker: worker! };
}

describe('transfers in the task stream', () => {
  it('records a worker-to-worker fetch with source, destination, bytes and times', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1 }, async ({ client }) => {
      await client.waitForWorkers(2);
      const since = Date.now();
      await client.getTaskStream({ since }); // starts recording
      const [first, second] = (await client.schedulerInfo()).workers.map((w) => w.id).sort();
      const made = client.with({ workers: [first!] }).submit((n: number) => new Float64Array(n).fill(1), N);
      const summed = client.with({ workers: [second!] }).submit((xs: Float64Array) => xs.map((x) => x * 2), made);
      const result = await client.gather(summed);
      expect(result.length).toBe(N);

      const stream = await client.getTaskStream({ since });
      const transfers = stream.filter((r) => r.kind === 'transfer');
      const between = transfers.find((t) => t.destination === second);
      expect(between).toMatchObject({ source: first, destination: second, keys: [made.key], key: `transfer-${made.key}`, worker: second, thread: -1, group: 'transfer' });
      expect(between!.nbytes).toBeGreaterThanOrEqual(N * 8);
      expect(between!.stop).toBeGreaterThanOrEqual(between!.start);
      expect(between!.start).toBeGreaterThanOrEqual(since - 1000);

      // Task runs are still there, without a kind.
      expect(stream.filter((r) => r.kind === undefined).map((r) => r.key).sort()).toEqual([made.key, summed.key].sort());
    });
  }, 60_000);

  it('records a gather to the client, direct from the worker, with the worker as source and the bytes moved', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const { since, worker } = await startRecording(client);
      // 1.6 MB: too big to ride with the completion report, so the client fetches it from the worker.
      const made = client.submit((n: number) => new Float64Array(n).fill(1), N);
      const before = Date.now();
      expect((await client.gather(made)).length).toBe(N);
      const after = Date.now();

      const stream = await client.getTaskStream({ since });
      const toClient = stream.filter((r) => r.kind === 'transfer' && r.destination === `client ${client.clientId}`);
      expect(toClient).toHaveLength(1);
      expect(toClient[0]).toMatchObject({ source: worker, keys: [made.key], worker, thread: -1 });
      // The bytes that travelled: the array plus a few bytes of framing.
      expect(toClient[0]!.nbytes).toBeGreaterThanOrEqual(N * 8);
      expect(toClient[0]!.nbytes).toBeLessThan(N * 8 + 256);
      expect(toClient[0]!.start).toBeGreaterThanOrEqual(before - 1);
      expect(toClient[0]!.stop).toBeLessThanOrEqual(after + 1);
      expect(toClient[0]!.stop).toBeGreaterThanOrEqual(toClient[0]!.start);
    });
  }, 60_000);

  it('records small results that ride to the client with their completion report', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const { since, worker } = await startRecording(client);
      const small = client.submit((n: number) => new Float64Array(n).fill(2), 1000);
      expect((await client.gather(small)).length).toBe(1000);

      const stream = await client.getTaskStream({ since });
      const run = stream.find((r) => r.key === small.key && r.kind === undefined)!;
      const moves = stream.filter((r) => r.kind === 'transfer' && r.keys?.includes(small.key));
      expect(moves).toHaveLength(1);
      expect(moves[0]).toMatchObject({ source: worker, destination: `client ${client.clientId}`, worker, thread: -1 });
      expect(moves[0]!.nbytes).toBeGreaterThanOrEqual(8000);
      expect(moves[0]!.nbytes).toBeLessThan(8000 + 256);
      // From the task's end on the worker to the scheduler forwarding it.
      expect(moves[0]!.start).toBeCloseTo(run.stop, 0);
      expect(moves[0]!.stop).toBeGreaterThanOrEqual(moves[0]!.start);
    });
  }, 60_000);

  it('records a gather the scheduler relays to the client (what the client asks for when the direct fetch fails)', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client, waitForState }) => {
      const { since, worker } = await startRecording(client);
      const made = client.submit((n: number) => new Float64Array(n).fill(3), N);
      await waitForState(made, 'memory');
      // The message the client sends when it cannot reach the worker itself.
      const reply = await coreOf(client).session.control!.request<Extract<SchedulerReply, { op: 'gather-reply' }>>((id) => ({ op: 'gather-proxy', id, keys: [made.key] }));
      expect(Object.keys(reply.values)).toEqual([made.key]);

      const stream = await client.getTaskStream({ since });
      const relayed = stream.filter((r) => r.kind === 'transfer' && r.keys?.includes(made.key));
      expect(relayed).toHaveLength(1);
      expect(relayed[0]).toMatchObject({ source: worker, destination: `client ${client.clientId}`, worker, thread: -1 });
      expect(relayed[0]!.nbytes).toBeGreaterThanOrEqual(N * 8);
      expect(relayed[0]!.nbytes).toBeLessThan(N * 8 + 256);
    });
  }, 60_000);
});
