import * as zmq from 'zeromq';
import { describe, expect, it } from 'vitest';
import { Client, ConfigurationError, FunctionShippingError, SerializationError, TimeoutError } from '../../src/index.js';
import { withCluster } from '../support/with-cluster.js';

describe('bad input gets a clear error naming the problem and the fix', () => {
  it('refuses what cannot be shipped or sent, before sending anything', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      expect(() => client.submit(42 as unknown as () => number)).toThrow(FunctionShippingError);
      expect(() => client.submit(42 as unknown as () => number)).toThrow(/expects a function/);

      const seen = new WeakSet<object>();
      const readsScope = (x: object) => seen.has(x);
      expect(() => client.submit(readsScope, {})).toThrow(FunctionShippingError);
      expect(() => client.submit(readsScope, {})).toThrow(/reads `seen` \(.*WeakSet.*\), which cannot travel with it.*Create it inside the function/s);

      const error = (() => {
        try {
          client.submit((o: { cb: () => void }) => o, { cb: () => {} });
        } catch (e) {
          return e as Error;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(SerializationError);
      expect(error!.message).toMatch(/argument 1 of submit/);
      expect(error!.message).toMatch(/cb/);
      expect(error!.message).toMatch(/function/);

      expect(() => client.map((x: number, y: number) => x + y, [1, 2], [1])).toThrow(ConfigurationError);
      expect(() => client.map((x: number, y: number) => x + y, [1, 2], [1])).toThrow(/different lengths \(2, 1\)/);
      await expect(client.waitForWorkers(5, { timeoutMs: 300 })).rejects.toThrow(/waitForWorkers\(5\) timed out after 300 ms: 1 worker connected/);
      await expect(client.waitForWorkers(1, { timeoutMs: 10 })).resolves.toBeUndefined();
    });
  });

  it('rejects connecting where nothing listens with a TimeoutError naming the address', async () => {
    const probe = new zmq.Router();
    await probe.bind('tcp://127.0.0.1:*');
    const address = probe.lastEndpoint!;
    probe.close();
    const started = Date.now();
    const error = await Client.connect(address, { timeoutMs: 500 }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain(address);
    expect((error as Error).message).toContain('flotilla-scheduler');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    await expect(Client.connect('localhost:8786', { timeoutMs: 100 })).rejects.toThrow(/tcp:\/\/host:port/);
  });

  it('drops garbage frames sent to the scheduler port and keeps serving', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, cluster }) => {
      const vandal = new zmq.Dealer({ linger: 0 });
      vandal.connect(cluster.schedulerAddress);
      const { pack } = await import('msgpackr');
      await vandal.send(Buffer.from([0xc1, 0xff, 0x00, 0x13]));
      await vandal.send(pack({ not: 'a batch' }));
      await vandal.send(pack([{ op: 'submit' }, { op: 'no-such-op' }, 17]));
      await vandal.send([pack([{ op: 'hello', clientId: 'x', version: '1' }]), Buffer.from('stray frame')]);
      vandal.close();
      expect(await client.submit((x: number) => x * 2, 21)).toBe(42);
      expect(cluster.scheduler.workerCount).toBe(1);
    });
  });
});
