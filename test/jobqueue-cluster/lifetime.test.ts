/**
 * Walltime: workers retire on their own before the walltime (`--lifetime`), and the cluster replaces
 * their jobs, with `adapt()` and with a plain `scale()`. Real processes on the `local` adapter, with a
 * lifetime of a few seconds (walltime 60 s, margin 57 s).
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { LocalJobCluster } from '../../src/jobqueue-cluster/index.js';
import { isolatedContext, makeTemporaryDirectory, waitFor } from './helpers.js';

function shortLivedCluster(directory: string): LocalJobCluster {
  return new LocalJobCluster(
    {
      cores: 1,
      memory: '512 MB',
      host: '127.0.0.1',
      walltime: '00:01:00',
      lifetimeMarginSeconds: 57,
      lifetimeStaggerSeconds: 0,
      logDirectory: join(directory, 'logs'),
      localDirectory: join(directory, 'space'),
      statusPollMs: 300,
    },
    isolatedContext(directory),
  );
}

describe('workers retire before the walltime, and their jobs are replaced', () => {
  test('the job script passes the lifetime to the worker', () => {
    const directory = makeTemporaryDirectory();
    const cluster = shortLivedCluster(directory.path);
    try {
      expect(cluster.jobScript()).toContain(' --lifetime 3 --lifetime-stagger 0 ');
    } finally {
      void cluster.close().finally(() => directory.remove());
    }
  });

  for (const mode of ['adapt', 'scale'] as const) {
    test(`with ${mode}(): the retired job ends as finished (not reported as failed) and a new job takes over`, { timeout: 60_000 }, async () => {
      const directory = makeTemporaryDirectory();
      const cluster = shortLivedCluster(directory.path);
      const warnings: string[] = [];
      cluster.log.addSink((line, level) => {
        if (level !== 'info' && level !== 'debug') warnings.push(line);
      });
      const client = await Client.connect(cluster);
      try {
        if (mode === 'adapt') cluster.adapt({ minimum: 1, maximum: 1, intervalMs: 200 });
        else await cluster.scale(1);
        await client.waitForWorkers(1, { timeoutMs: 20_000 });
        const [first] = [...cluster.jobs.keys()];

        const second = await waitFor(
          'a replacement job whose worker connected',
          () => [...cluster.jobs.values()].find((job) => job.jobId !== first && job.workers.length === 1),
          { timeoutMs: 30_000, describe: () => cluster.describeWorkers() },
        );
        await waitFor(`job ${first} to end`, () => (cluster.jobs.get(first!)?.state === 'finished' ? true : undefined), { timeoutMs: 10_000 });
        expect(cluster.jobs.get(first!)).toMatchObject({ workersSeen: 1, retired: false, native: 'exit 0', workers: [] });
        expect(second.retired).toBe(false);
        expect(warnings).toEqual([]);
        // The new worker computes.
        expect(await client.submit((x: number) => x + 1, 1).result({ timeoutMs: 10_000 })).toBe(2);
      } finally {
        await client.close();
        await cluster.close();
        directory.remove();
      }
    });
  }
});
