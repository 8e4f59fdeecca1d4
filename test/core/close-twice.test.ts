import { describe, expect, it } from 'vitest';
import { LocalCluster } from '../../src/index.js';
import { childPids } from '../support/with-cluster.js';

describe('LocalCluster.close', () => {
  it('a second close while the first runs waits for the same close (no worker left when it returns)', async () => {
    const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false });
    await cluster.ready;
    expect(childPids().length).toBeGreaterThanOrEqual(2);
    const first = cluster.close();
    const second = cluster.close();
    await second;
    expect(cluster.status).toBe('closed');
    expect(childPids()).toEqual([]);
    await first;
    // A third call after the close is a no-op that resolves at once.
    await cluster.close();
    expect(cluster.status).toBe('closed');
  });
});
