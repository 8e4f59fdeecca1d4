/**
 * The direct path of actor calls (src/actors/direct.ts): once an actor is placed, its calls go from the
 * client straight to the actor's worker and back. The spy below only counts the calls that took that
 * path (the real method runs), so each test can tell that it exercised it.
 */
import * as zmq from 'zeromq';
import { pack, unpack } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActorLostError } from '../../src/index.js';
import { RemoteSession } from '../../src/client/remote-session.js';
import { MAX_DIRECT_CALLS_PER_PEER } from '../../src/worker/direct-calls.js';
import { prepareClass } from '../../src/serialize/function-source.js';
import { joinBody } from '../../src/transport/small-frames.js';
import { withCluster } from '../support/with-cluster.js';

/** Worker addresses of the calls that went direct, in the order made. */
let directTo: string[] = [];
const original = RemoteSession.prototype.callActor;
beforeEach(() => {
  directTo = [];
  RemoteSession.prototype.callActor = function (this: RemoteSession, ...args: Parameters<typeof original>) {
    const sent = original.apply(this, args);
    if (sent) directTo.push(args[1]);
    return sent;
  };
});
afterEach(() => {
  RemoteSession.prototype.callActor = original;
});

class Log {
  seen: number[] = [];
  add(x: number): number[] {
    this.seen.push(x);
    return [...this.seen];
  }
  /** Never returns: holds the calls behind it in the actor's line. */
  async block(): Promise<void> {
    await new Promise(() => {});
  }
  async bump(): Promise<number> {
    return this.seen.push(0);
  }
}

describe('direct actor calls', () => {
  it('keep call order with routed calls, give ordinary futures (inputs at once, gathered, released and freed)', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1 }, async ({ client, cluster, waitForState }) => {
      const log = client.submitActor(Log);
      await log.constructed;
      const [address] = (await client.whoHas([log.constructed]))[log.actorKey]!;
      // The first calls may go through the scheduler while the client asks where the actor lives.
      await log.add(0);
      const first = log.add(1);
      expect(directTo).toContain(address);
      // A task takes the direct call's future as input at once: the scheduler heard of the call first.
      const doubled = client.submit((seen: number[]) => seen.length * 2, first);
      expect(await doubled).toBe(4);

      // A call whose argument is a future goes through the scheduler; those after it stay in order.
      const slow = client.submit(async (x: number) => {
        await new Promise((resolve) => setImmediate(resolve));
        return x;
      }, 3);
      const sequence = [log.add(2), log.add(slow), log.add(4), log.add(5)];
      const seen = await client.gather(sequence);
      expect(seen[3]).toEqual([0, 1, 2, 3, 4, 5]);
      const directBefore = directTo.length;
      // Direct calls made right after routed ones still run behind them (the worker parks nothing wrong).
      const mixed = [log.add(6), log.add(slow), log.add(7)];
      expect((await client.gather(mixed))[2]).toEqual([0, 1, 2, 3, 4, 5, 6, 3, 7]);
      expect(directTo.length).toBeGreaterThan(directBefore);

      // Released, a direct call's result is forgotten by the scheduler (which frees it on the worker).
      const key = first.key;
      first.release();
      doubled.release();
      await waitForState(key, 'forgotten');
      // A call that ended and was released before the scheduler heard of it never reaches the scheduler
      // (the client frees its result on the worker itself); one still held is told to it.
      const dropped = log.add(8);
      const kept = log.add(9);
      await client.gather([dropped, kept]);
      dropped.release();
      await client.whoHas([kept]); // any message to the scheduler sends the notices waiting before it
      expect(cluster.scheduler.view.tasks.has(dropped.key)).toBe(false);
      expect(cluster.scheduler.view.tasks.get(kept.key)?.state).toBe('memory');
    });
  }, 60_000);

  it('a worker that dies with direct calls in flight fails them with ActorLostError; calls then follow the restarted actor', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1, deadlineMs: 90_000 }, async ({ client, waitForState, waitForWorkerState }) => {
      const log = client.submitActor(Log, [], { maxRestarts: 1 });
      await log.constructed;
      await log.add(1);
      const [address] = (await client.whoHas([log.constructed]))[log.actorKey]!;
      expect(await log.add(2)).toEqual([1, 2]);
      const blocked = log.block();
      const behind = log.add(3);
      expect(directTo.filter((a) => a === address).length).toBeGreaterThanOrEqual(2);
      await waitForState(blocked, 'processing');
      const worker = (await client.schedulerInfo()).workers.find((w) => w.address === address)!;
      process.kill(worker.pid, 'SIGKILL');
      await waitForWorkerState(worker.name, 'removed');
      await expect(blocked).rejects.toBeInstanceOf(ActorLostError);
      await expect(behind).rejects.toBeInstanceOf(ActorLostError);
      // Constructed again elsewhere (state anew); the client finds it there and calls go direct again.
      expect(await log.add(4)).toEqual([4]);
      const [moved] = (await client.whoHas([log.constructed]))[log.actorKey]!;
      expect(moved).not.toBe(address);
      for (let i = 5; i < 10 && !directTo.includes(moved!); i++) await log.add(i);
      expect(directTo).toContain(moved);
    });
  }, 120_000);

  it('a worker answers malformed or excess direct calls from a hostile peer with a refusal, and serves on', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const log = client.submitActor(Log);
      await log.constructed;
      const [address] = (await client.whoHas([log.constructed]))[log.actorKey]!;
      const fn = prepareClass(Log, { what: 'test' }).hash;
      const vandal = new zmq.Dealer({ routingId: 'vandal', linger: 0 });
      vandal.connect(address!);
      const replies: Array<Record<string, unknown>> = [];
      const reading = (async () => {
        for await (const frames of vandal) for (const reply of unpack(joinBody(frames)[0]!) as Array<Record<string, unknown>>) replies.push(reply);
      })().catch(() => {});
      const until = async (count: number): Promise<void> => {
        for (let turns = 0; replies.length < count && turns < 20_000; turns++) await new Promise((resolve) => setTimeout(resolve, 1));
        expect(replies.length).toBeGreaterThanOrEqual(count);
      };
      const args = { body: pack([]), frames: [] };
      const call = (id: number, name: string, extra: Record<string, unknown> = {}) => ({
        op: 'actor-call', id, key: `vandal-${id}`, fn, args, actor: { actor: log.actorKey, kind: 'call', name, handle: 'h', direct: { worker: address, seq: id } }, ...extra,
      });
      try {
        // Malformed: a field of the wrong type, and a construction (actors are made through the scheduler).
        await vandal.send(pack([{ ...call(1, 'add'), key: 5 }, { ...call(2, 'add'), actor: { actor: log.actorKey, kind: 'create', name: 'Log' } }]));
        await until(2);
        expect(replies[0]).toMatchObject({ op: 'refused', id: 1, error: { name: 'ProtocolError' } });
        expect((replies[0]!.error as { message: string }).message).toMatch(/field key should be a string/);
        expect(replies[1]).toMatchObject({ op: 'refused', id: 2 });
        expect((replies[1]!.error as { message: string }).message).toMatch(/constructed through the scheduler/);

        // Past the bound of calls in flight (one blocks the actor, the rest wait behind it): refused.
        replies.length = 0;
        const batch = [call(10, 'block'), ...Array.from({ length: MAX_DIRECT_CALLS_PER_PEER + 4 }, (_, i) => call(11 + i, 'add'))];
        for (let i = 0; i < batch.length; i += 500) await vandal.send(pack(batch.slice(i, i + 500)));
        await until(5);
        expect(replies).toHaveLength(5);
        expect(replies.every((r) => r.op === 'refused' && /calls in flight here/.test((r.error as { message: string }).message))).toBe(true);
      } finally {
        vandal.close();
        await reading;
      }
      // The worker lives on and serves others (its actor is stuck behind the vandal's block: a new one serves).
      const other = client.submitActor(Log);
      expect(await other.add(1)).toEqual([1]);
      log.release();
    });
  }, 60_000);
});
