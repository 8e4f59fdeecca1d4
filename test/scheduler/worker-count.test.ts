/**
 * The worker count clients are told: a worker that registers and is retired in the same step (a job-queue
 * cluster retires at once a worker of a job it already retired) is never announced, so
 * `client.waitForWorkers` cannot resolve on a worker that was never usable.
 */
import { expect, it } from 'vitest';
import { withCluster } from '../support/with-cluster.js';

it('a worker retired as it registers is not counted by waitForWorkers', async () => {
  await withCluster({ nWorkers: 1 }, async ({ client, cluster, waitForWorkerState }) => {
    await client.waitForWorkers(1);
    // As JobScaler.onWorkerAdded does for a worker of a retired job.
    cluster.scheduler.on('worker-added', (worker) => {
      if (worker.name === 'local-1') void cluster.scheduler.retireWorkers([worker.name], 'its job was retired');
    });
    let sawTwo = false;
    const two = client.waitForWorkers(2, { timeoutMs: 30_000 }).then(() => (sawTwo = true));
    await cluster.scale(2);
    await waitForWorkerState('local-1', 'removed');
    // A round trip: every message the scheduler sent before the answer has been read by the client.
    await client.schedulerInfo();
    expect(sawTwo).toBe(false);
    expect(client.workerCount).toBe(1);
    // Workers that stay are counted, by the same wait (local-1 retired for good: new names).
    await cluster.scale(3);
    await two;
    expect(cluster.scheduler.workerSummaries().map((w) => w.name)).not.toContain('local-1');
  });
});
