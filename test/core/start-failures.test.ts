/**
 * A LocalCluster whose workers cannot start fails `ready` with the worker's exit code and the end of
 * its stderr, after a few tries, instead of restarting them forever; `Client.connect`'s `timeoutMs`
 * covers a cluster's start.
 */
import { describe, expect, it } from 'vitest';
import { Client, LocalCluster, TimeoutError, WorkerStartError } from '../../src/index.js';
import type { ClusterHandle } from '../../src/cluster/cluster-handle.js';
import { childPids } from '../support/with-cluster.js';

const BAD_ENV = { NODE_OPTIONS: '--no-such-node-flag' };

describe('workers that cannot start', () => {
  it('fail LocalCluster.ready with the exit code and the end of stderr, leaving no process', async () => {
    const cluster = new LocalCluster({ nWorkers: 2, env: BAD_ENV, dashboardAddress: false });
    const started = Date.now();
    const error = await cluster.ready.then(() => undefined, (e: unknown) => e as WorkerStartError);
    expect(error).toBeInstanceOf(WorkerStartError);
    expect(error!.exitCode).toBe(9);
    expect(error!.stderr).toMatch(/--no-such-node-flag is not allowed in NODE_OPTIONS/);
    expect(error!.message).toMatch(/worker local-\d exited before it joined 3 times in a row; the last \(pid \d+\) exited with code 9/);
    expect(error!.message).toMatch(/NODE_OPTIONS/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(cluster.status).toBe('failed to start');
    await cluster.close();
    expect(childPids()).toEqual([]);
  }, 30_000);

  it('fail Client.connect, which closes the cluster it started', async () => {
    const error = await Client.connect({ env: BAD_ENV, nWorkers: 1, dashboardAddress: false, timeoutMs: 20_000 }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(WorkerStartError);
    expect(childPids()).toEqual([]);
  }, 30_000);

  it('Client.connect(cluster, { timeoutMs }) gives up on a cluster that is not ready in time', async () => {
    const never: ClusterHandle = {
      ready: new Promise(() => {}),
      schedulerAddress: 'tcp://127.0.0.1:1',
      describeWorkers: () => '0 of 2 workers joined',
      close: async () => {},
    };
    const started = Date.now();
    const error: unknown = await Client.connect(never, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toMatch(/not ready within timeoutMs \(300 ms\): 0 of 2 workers joined/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
