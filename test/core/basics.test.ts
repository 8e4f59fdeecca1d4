import { describe, expect, expectTypeOf, it } from 'vitest';
import { CancelledError, Future, TaskError, TimeoutError, asCompleted, wait } from '../../src/index.js';
import { withCluster } from '../support/with-cluster.js';

describe('submit, map and gather on a LocalCluster', () => {
  it('computes with dependencies, nested futures and keeps the shape of gathered structures', async () => {
    await withCluster({}, async ({ client }) => {
      const a = client.submit((x: number) => x + 1, 1);
      expectTypeOf(a).toEqualTypeOf<Future<number>>();
      const b = client.submit((x: number, y: number) => x * y, a, 10);
      expect(await b).toBe(20);
      expect(await b.result()).toBe(20);
      expect(b.status).toBe('finished');

      const nested = client.submit(
        (arg: { list: number[]; inner: { v: number } }) => arg.list.reduce((s, x) => s + x, 0) + arg.inner.v,
        { list: [a, b, 3], inner: { v: a } },
      );
      expect(await nested).toBe(2 + 20 + 3 + 2);

      const squares = client.map((x: number) => x * x, [1, 2, 3, 4]);
      expect(await client.gather(squares)).toEqual([1, 4, 9, 16]);
      const zipped = client.map((x: number, y: string) => `${y}${x}`, [1, 2], ['a', 'b']);
      expect(await client.gather({ first: zipped[0], rest: [zipped[1], 7] })).toEqual({ first: 'a1', rest: ['b2', 7] });
    });
  });

  it('deduplicates pure calls and gives impure ones their own key', async () => {
    await withCluster({}, async ({ client }) => {
      const inc = (x: number) => x + 1;
      const f1 = client.submit(inc, 41);
      const f2 = client.submit(inc, 41);
      const f3 = client.submit(inc, 42);
      expect(f1.key).toBe(f2.key);
      expect(f1.key).not.toBe(f3.key);
      expect(f1.key).toMatch(/^inc-[0-9a-f]{32}$/);
      const g1 = client.with({ pure: false }).submit(inc, 41);
      const g2 = client.with({ pure: false }).submit(inc, 41);
      expect(g1.key).not.toBe(g2.key);
      const named = client.with({ key: 'my-key' }).submit(inc, 1);
      expect(named.key).toBe('my-key');
      expect(await client.gather([f1, f2, f3, g1, g2, named])).toEqual([42, 42, 43, 42, 42, 2]);
    });
  });

  it('keeps the error class name, message and remote stack, and skips errors on request', async () => {
    await withCluster({}, async ({ client }) => {
      const bad = client.submit(() => {
        class ModelDivergedError extends Error {
          override name = 'ModelDivergedError';
        }
        throw new ModelDivergedError('residual is NaN at step 7');
      });
      const error = await bad.exception();
      expect(error).toBeInstanceOf(TaskError);
      expect(error!.name).toBe('ModelDivergedError');
      expect(error!.message).toBe('residual is NaN at step 7');
      expect(error!.stack).toContain('ModelDivergedError: residual is NaN at step 7');
      expect(error!.stack).toContain('raised on a flotilla worker');
      expect(bad.status).toBe('error');
      await expect(bad).rejects.toThrow('residual is NaN');

      const good = client.submit((x: number) => x, 5);
      const dependent = client.submit((x: unknown) => x, bad);
      await expect(dependent).rejects.toThrow('residual is NaN');
      expect(await client.gather([good, bad, dependent, 9], { errors: 'skip' })).toEqual([5, 9]);
      await expect(client.gather([good, bad])).rejects.toThrow('residual is NaN');
    });
  });

  it('retries a failing task with({ retries })', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const flaky = async (dir: string) => {
        const fs = await import('node:fs');
        const counter = `${dir}/attempts`;
        const attempts = fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) + 1 : 1;
        fs.writeFileSync(counter, String(attempts));
        if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
        return attempts;
      };
      const { mkdtempSync } = await import('node:fs');
      const dir = mkdtempSync('/tmp/flotilla-retries-');
      expect(await client.with({ retries: 2, pure: false }).submit(flaky, dir)).toBe(3);
      const dir2 = mkdtempSync('/tmp/flotilla-retries-');
      await expect(client.with({ retries: 1, pure: false }).submit(flaky, dir2)).rejects.toThrow('attempt 2 failed');
    });
  });

  it('runs higher priority first among ready tasks', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client, waitForState }) => {
      const { mkdtempSync, writeFileSync, existsSync } = await import('node:fs');
      const dir = mkdtempSync('/tmp/flotilla-prio-');
      // A gate task holds the only thread until the test opens the gate.
      const gate = client.submit(async (d: string) => {
        const fs = await import('node:fs');
        for (let i = 0; i < 2000 && !fs.existsSync(`${d}/open`); i++) await new Promise((r) => setTimeout(r, 10));
        return 'opened';
      }, dir);
      const stamp = (label: string) => ({ label, at: process.hrtime.bigint().toString() });
      const low = client.with({ priority: -5 }).map(stamp, ['low-1', 'low-2']);
      const high = client.with({ priority: 10 }).map(stamp, ['high-1', 'high-2']);
      // Every one has reached the scheduler (queued behind the gate, or sent ahead to the worker) before the gate opens.
      await Promise.all([...low, ...high].map((future) => waitForState(future, ['queued', 'processing'])));
      writeFileSync(`${dir}/open`, '');
      expect(existsSync(`${dir}/open`)).toBe(true);
      expect(await gate).toBe('opened');
      const results = (await client.gather([...low, ...high])) as Array<{ label: string; at: string }>;
      const order = results.sort((x, y) => (BigInt(x.at) < BigInt(y.at) ? -1 : 1)).map((r) => r.label);
      expect(order.slice(0, 2).sort()).toEqual(['high-1', 'high-2']);
    });
  });

  it('iterates asCompleted in completion order, with add() and withResults', async () => {
    await withCluster({}, async ({ client }) => {
      const sleep = async (ms: number) => {
        await new Promise((r) => setTimeout(r, ms));
        return ms;
      };
      const futures = client.map(sleep, [1500, 10]);
      const seen: number[] = [];
      const iterator = asCompleted(futures);
      let added = false;
      for await (const future of iterator) {
        expect(future).toBeInstanceOf(Future);
        seen.push((await future) as number);
        if (!added) {
          iterator.add(client.submit(sleep, 1));
          added = true;
        }
      }
      expect(seen).toEqual([10, 1, 1500]);
      const pairs: Array<[unknown, number]> = [];
      for await (const pair of asCompleted(client.map((x: number) => x * 2, [1, 2]), { withResults: true })) pairs.push(pair as [unknown, number]);
      expect(pairs.map((p) => p[1]).sort()).toEqual([2, 4]);
      expect(() => {
        const it = asCompleted([]);
        it[Symbol.asyncIterator]();
        it[Symbol.asyncIterator]();
      }).toThrow('already being iterated');
    });
  });

  it('waits for all or the first, with a time limit and an abort signal', async () => {
    await withCluster({}, async ({ client }) => {
      const slow = client.submit(async () => {
        await new Promise((r) => setTimeout(r, 20_000));
      });
      const quick = client.submit((x: number) => x, 1);
      const first = await wait([slow, quick], { returnWhen: 'FIRST_COMPLETED', timeoutMs: 10_000 });
      expect(first.done.has(quick)).toBe(true);
      expect(first.notDone.has(slow)).toBe(true);
      await expect(wait([slow, quick], { timeoutMs: 200 })).rejects.toBeInstanceOf(TimeoutError);
      await expect(wait([slow], { timeoutMs: 200 })).rejects.toThrow('0 of 1 futures done');
      const controller = new AbortController();
      const waiting = wait([slow], { signal: controller.signal });
      controller.abort(new Error('user pressed stop'));
      const error = await waiting.catch((e: unknown) => e as CancelledError);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cause).toEqual(new Error('user pressed stop'));
      await expect(slow.result({ timeoutMs: 100 })).rejects.toBeInstanceOf(TimeoutError);
      await slow.cancel();
    });
  });
});
