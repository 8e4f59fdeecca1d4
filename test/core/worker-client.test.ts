/**
 * Dask's get_client / worker_client / secede tests (test_worker_client.py, test_client.py), translated.
 * Tasks import the package by its name, as a user's would; the name comes in as an argument because the
 * test runner rewrites a literal `import('flotilla')` in test files to a path workers cannot load.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlotillaError, getClient, secede } from '../../src/index.js';
import { waitUntil, withCluster } from '../support/with-cluster.js';

const PACKAGE = 'flotilla';

describe('getClient inside a task', () => {
  it('submits tasks and waits on them, on a cluster of one thread (no deadlock)', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const total = await client.submit(async (pkg: string, n: number) => {
        const { getClient: connect } = (await import(pkg)) as typeof import('../../src/index.js');
        const inner = await connect();
        const squares = inner.map((i: number) => i * i, Array.from({ length: n }, (_, i) => i));
        const values = await inner.gather(squares);
        return values.reduce((a, b) => a + b, 0);
      }, PACKAGE, 10);
      expect(total).toBe(285);
    });
  });

  it('connects with its worker\'s credentials on a cluster that requires CURVE authentication (TCP)', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1, host: '127.0.0.1' }, async ({ client }) => {
      expect(client.schedulerAddress).toMatch(/^tcp:/);
      const doubled = await client.submit(async (pkg: string) => {
        const { getClient: connect } = (await import(pkg)) as typeof import('../../src/index.js');
        const inner = await connect();
        return inner.submit((x: number) => x * 2, 21).result();
      }, PACKAGE);
      expect(doubled).toBe(42);
    });
  });

  it('a restart ends threads whose tasks hold a client without taking the worker process down', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client, cluster }) => {
      const [pid] = cluster.workerPids;
      const waiting = client.submit(async (pkg: string) => {
        const { getClient: connect } = (await import(pkg)) as typeof import('../../src/index.js');
        const inner = await connect();
        return inner.submit(() => new Promise(() => {})).result();
      }, PACKAGE);
      await waitUntil(() => cluster.scheduler.view.countsByState().processing === 2, 'the task and its subtask run');
      await client.restart();
      expect(waiting.status).toBe('cancelled');
      expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
      expect(cluster.workerPids).toEqual([pid]);
    });
  });

  it('outside a task returns the client connected in this process', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      expect(await getClient()).toBe(client);
    });
    await expect(getClient()).rejects.toBeInstanceOf(FlotillaError);
  });
});

describe('secede', () => {
  it('frees the thread: a task waiting for a later task on the same single thread finishes', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const gate = join(mkdtempSync('/tmp/flotilla-secede-'), 'gate');
      const waiter = client.submit(async (pkg: string, file: string) => {
        const { secede: leave } = (await import(pkg)) as typeof import('../../src/index.js');
        const { existsSync } = await import('node:fs');
        leave();
        for (let i = 0; i < 2000 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 5));
        return existsSync(file) ? 'opened' : 'gave up';
      }, PACKAGE, gate);
      const opener = client.submit(async (file: string) => {
        const { writeFileSync: write } = await import('node:fs');
        write(file, '');
        return 'wrote';
      }, gate);
      expect(await opener).toBe('wrote');
      expect(await waiter).toBe('opened');
    });
  });

  it('is a no-op outside a task', () => {
    expect(() => secede()).not.toThrow();
  });
});
