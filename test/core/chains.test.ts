import { describe, expect, it } from 'vitest';
import type { Future } from '../../src/index.js';
import { withCluster } from '../support/with-cluster.js';

describe('chains of dependent tasks (run back to back on one thread)', () => {
  it('a 2,000-task ladder, each task adding the previous two, gives the right value', async () => {
    await withCluster({}, async ({ client }) => {
      const add = (a: number, b: number) => (a + b) % 1_000_003;
      const futures: Future<number>[] = [client.submit((x: number) => x, 1), client.submit((x: number) => x, 1)];
      for (let i = 2; i < 2_000; i++) futures.push(client.submit(add, futures[i - 1]!, futures[i - 2]!));
      let a = 1;
      let b = 1;
      for (let i = 2; i < 2_000; i++) [a, b] = [b, (a + b) % 1_000_003];
      expect(await futures[1_999]!).toBe(b);
      expect(await client.gather(futures.slice(0, 5))).toEqual([1, 1, 2, 3, 5]);
    });
  });

  it('an error in the middle of a chain fails every later link with that error, and the chain before it stands', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const step = (x: number, failAt: number) => {
        if (x + 1 === failAt) throw new RangeError(`diverged at ${failAt}`);
        return x + 1;
      };
      const chain: Future<number>[] = [client.submit((x: number) => x, 0)];
      for (let i = 1; i < 50; i++) chain.push(client.submit(step, chain[i - 1]!, 30));
      await expect(chain[49]!).rejects.toThrow('diverged at 30');
      expect(await chain[29]!).toBe(29);
      expect(chain[30]!.status).toBe('error');
      expect((await chain[40]!.exception())?.name).toBe('RangeError');
    });
  });
});
