/**
 * An actor's own endpoint (src/worker/actor-server.ts): after a direct call through its worker, the
 * worker's answers name it; calls sent there are answered by the actor's thread, bad requests refused.
 * A raw DEALER plays the client, so the test sees the wire itself.
 */
import * as zmq from 'zeromq';
import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { prepareClass } from '../../src/serialize/function-source.js';
import { joinBody } from '../../src/transport/small-frames.js';
import { withCluster } from '../support/with-cluster.js';

class Tally {
  total = 0;
  add(x: number): number {
    this.total += x;
    return this.total;
  }
}

type Reply = Record<string, unknown>;

/** A raw peer: sends batches, collects replies, waits for a count of them (bounded in turns). */
function rawPeer(address: string, id: string): { send: (batch: object[]) => Promise<void>; until: (count: number) => Promise<Reply[]>; close: () => Promise<void> } {
  const socket = new zmq.Dealer({ routingId: id, linger: 0 });
  socket.connect(address);
  const replies: Reply[] = [];
  const reading = (async () => {
    for await (const frames of socket) for (const reply of unpack(joinBody(frames)[0]!) as Reply[]) replies.push(reply);
  })().catch(() => {});
  return {
    send: async (batch) => void (await socket.send(pack(batch))),
    until: async (count) => {
      for (let turns = 0; replies.length < count && turns < 20_000; turns++) await new Promise((resolve) => setTimeout(resolve, 1));
      expect(replies.length).toBeGreaterThanOrEqual(count);
      return replies;
    },
    close: async () => {
      socket.close();
      await reading;
    },
  };
}

describe('an actor\'s own endpoint', () => {
  it('is named by its worker\'s answers, answers calls itself in order, and refuses what it does not serve', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const tally = client.submitActor(Tally);
      await tally.constructed;
      const [address] = (await client.whoHas([tally.constructed]))[tally.actorKey]!;
      const fn = prepareClass(Tally, { what: 'test' }).hash;
      const call = (id: number, x: number, worker: string) => ({
        op: 'actor-call', id, key: `raw-${id}`, fn, args: { body: pack([x]), frames: [] },
        actor: { actor: tally.actorKey, kind: 'call', name: 'add', handle: 'raw', direct: { worker, seq: id } },
      });
      // Through the worker: the first call opens the endpoint; an answer after it names the endpoint.
      const viaWorker = rawPeer(address!, 'raw-worker');
      let endpoint: string | undefined;
      try {
        for (let id = 1; id <= 50 && endpoint === undefined; id++) {
          await viaWorker.send([call(id, 1, address!)]);
          const replies = await viaWorker.until(id);
          expect(replies[id - 1]).toMatchObject({ op: 'actor-reply', id });
          endpoint = replies[id - 1]!.endpoint as string | undefined;
        }
      } finally {
        await viaWorker.close();
      }
      expect(endpoint).toMatch(/^(ipc|tcp):\/\//);
      expect(endpoint).not.toBe(address);

      const direct = rawPeer(endpoint!, 'raw-endpoint');
      try {
        const before = (await tally.total) as number;
        await direct.send([call(101, 10, address!), call(102, 100, address!)]);
        const answers = await direct.until(2);
        expect(answers.map((r) => [r.op, r.id, (unpack((r.report as { value: { body: Uint8Array } }).value.body) as number)])).toEqual([
          ['actor-reply', 101, before + 10], ['actor-reply', 102, before + 110],
        ]);
        // Not served here: a data request, a malformed call, a call on another actor.
        await direct.send([{ op: 'get-data', id: 103, keys: ['x'] }, { ...call(104, 1, address!), key: 7 }, { ...call(105, 1, address!), actor: { ...call(105, 1, address!).actor, actor: 'someone-else' } }]);
        const more = await direct.until(5);
        expect(more[2]).toMatchObject({ op: 'refused', id: 103 });
        expect((more[2]!.error as { message: string }).message).toMatch(/not served at an actor's endpoint/);
        expect(more[3]).toMatchObject({ op: 'refused', id: 104 });
        expect(more[4]).toMatchObject({ op: 'actor-reply', id: 105, error: { code: 'ACTOR_LOST' } });
      } finally {
        await direct.close();
      }
      // The actor served on: the client's own calls see every raw call's effect.
      expect(await tally.add(0)).toBe((await tally.total) as number);
      tally.release();
    });
  }, 60_000);
});
