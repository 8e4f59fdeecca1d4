import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Client, LocalJobCluster } from '../../src/index.js';
import { isolatedContext, makeTemporaryDirectory, uniqueJobName } from './helpers.js';

describe('a job-queue cluster serves the dashboard, with each worker\'s job and its state', () => {
  test('dashboardLink answers /api/state listing the worker with its job id and job state', async () => {
    const directory = makeTemporaryDirectory();
    const cluster = new LocalJobCluster(
      { cores: 1, memory: '512 MB', host: '127.0.0.1', jobName: uniqueJobName('fq-dash'), logDirectory: join(directory.path, 'logs'), statusPollMs: 200, dashboardAddress: '127.0.0.1:0' },
      isolatedContext(directory.path),
    );
    const client = await Client.connect(cluster);
    try {
      await cluster.scale(1);
      await client.waitForWorkers(1, { timeoutMs: 30_000 });
      expect(client.dashboardLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status\?token=[A-Za-z0-9_-]{43}$/);
      const [jobId] = [...cluster.jobs.keys()];
      let worker: { jobId?: string; jobState?: string } | undefined;
      for (let i = 0; i < 100 && worker?.jobState !== 'running'; i++) {
        const state = (await (await fetch(new URL(`/api/state${new URL(cluster.dashboardLink!).search}`, cluster.dashboardLink)).then((r) => r)).json()) as { workers: Array<{ jobId?: string; jobState?: string }> };
        worker = state.workers[0];
        if (worker?.jobState !== 'running') await new Promise((r) => setTimeout(r, 100));
      }
      expect(worker).toMatchObject({ jobId, jobState: 'running' });
    } finally {
      await client.close();
      await cluster.close();
      directory.remove();
    }
  });
});
