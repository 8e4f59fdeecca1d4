/**
 * The running parts of the dask-jobqueue parity items, with real processes on the `local` adapter:
 * a job whose id the submit output did not hold is adopted when its worker connects (and cancelled on
 * close); the restarter brings a killed worker process back under its name, up to its limit; and the
 * scheduler and the workers listen on the interfaces they are given.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { local } from '../../cluster-adapters/index.js';
import { Client } from '../../src/index.js';
import { JobSubmissionError } from '../../src/errors/index.js';
import { JobQueueCluster, LocalJobCluster } from '../../src/jobqueue-cluster/index.js';
import { isolatedContext, makeTemporaryDirectory, processesMentioning, waitFor } from './helpers.js';

describe('1. a job that may exist is never lost', () => {
  test('a submission without a job id in its output is adopted when its worker reports its job id, and cancelled on close', { timeout: 60_000 }, async () => {
    const directory = makeTemporaryDirectory();
    // The launcher prints the bare pid; this pattern never matches it, as a site wrapper's odd output would not.
    const oddOutput = { ...local, jobIdPattern: /^Job id: (?<jobId>\d+)$/m };
    const cluster = new JobQueueCluster(
      oddOutput,
      { cores: 1, memory: '512 MB', host: '127.0.0.1', logDirectory: join(directory.path, 'logs'), statusPollMs: 200, dashboardAddress: false },
      isolatedContext(directory.path),
    );
    const client = await Client.connect(cluster);
    try {
      await expect(cluster.scale(1)).rejects.toBeInstanceOf(JobSubmissionError);
      expect(cluster.unidentifiedSubmissions).toBe(1);
      expect(cluster.describeWorkers()).toContain('1 submission whose job id is not known yet');
      await client.waitForWorkers(1, { timeoutMs: 30_000 });
      const job = await waitFor('the adopted job', () => [...cluster.jobs.values()].find((j) => j.workers.length === 1), {
        describe: () => cluster.describeWorkers(),
      });
      expect(cluster.unidentifiedSubmissions).toBe(0);
      expect(job.state).toBe('running');
      expect(await client.submit((x: number) => x + 1, 41)).toBe(42);
      // Not retired as a surplus: the failed scale(1) kept the maybe-job in the target.
      expect(cluster.jobs.get(job.jobId)?.retired).toBe(false);
    } finally {
      await client.close();
      await cluster.close();
    }
    const [adopted] = [...cluster.jobs.values()];
    expect(adopted?.state).toBe('finished');
    expect(processesMentioning(`flotilla-local-job`).filter((pid) => String(pid) === adopted?.jobId)).toEqual([]);
    directory.remove();
  });
});

describe('7 and 8. interfaces, and the restarter inside each job', () => {
  test('a killed worker process comes back under its name, the job is kept, and past the limit it is given up', { timeout: 90_000 }, async () => {
    const directory = makeTemporaryDirectory();
    const cluster = new LocalJobCluster(
      {
        cores: 2,
        processes: 2,
        memory: '1 GB',
        schedulerInterface: 'lo',
        workerInterface: 'lo',
        workerRestarts: 1,
        logDirectory: join(directory.path, 'logs'),
        statusPollMs: 200,
        dashboardAddress: false,
      },
      isolatedContext(directory.path),
    );
    const client = await Client.connect(cluster);
    try {
      expect(cluster.jobScript()).toContain(' --interface lo --restarts 1 ');
      await cluster.scale({ jobs: 1 });
      await client.waitForWorkers(2, { timeoutMs: 30_000 });
      expect(cluster.schedulerAddress).toMatch(/^tcp:\/\/127\.0\.0\.1:/);
      const [job] = [...cluster.jobs.values()];
      const name = job!.workers.find((w) => w.endsWith('-0'))!;
      const record = () => cluster.scheduler.view.workerByName(name);
      expect(record()?.info.address).toMatch(/^tcp:\/\/127\.0\.0\.1:/);

      const removals: string[] = [];
      cluster.scheduler.on('worker-removed', (worker, reason) => {
        if (worker.name === name) removals.push(reason);
      });
      const firstPid = record()!.info.pid;
      process.kill(firstPid, 'SIGKILL');
      const restarted = await waitFor('the worker to register again from a new process', () => {
        const pid = record()?.info.pid;
        return pid !== undefined && pid !== firstPid && record()?.status !== 'removed' ? pid : undefined;
      });
      // The scheduler was told: it removed the dead worker (its connection closed) before the namesake registered.
      expect(removals.length).toBeGreaterThanOrEqual(1);
      expect([...cluster.jobs.keys()]).toEqual([job!.jobId]);
      expect(cluster.jobs.get(job!.jobId)?.state).toBe('running');
      expect(await client.submit((x: number) => x * 2, 21)).toBe(42);

      process.kill(restarted, 'SIGKILL');
      const stderr = cluster.jobs.get(job!.jobId)!.outputFiles.stderr;
      const log = await waitFor('the restarter to give the process up', () => {
        const text = readFileSync(stderr, 'utf8');
        return text.includes('giving it up') ? text : undefined;
      });
      expect(log).toContain(`flotilla-worker restarter (${name.slice(0, -2)}): worker process 0 was killed by SIGKILL; restarting it (restart 1 of 1)`);
      expect(log).toContain('worker process 0 was killed by SIGKILL; giving it up after 1 restart (the limit is 1)');
      // The other process of the job still works.
      expect(cluster.jobs.get(job!.jobId)?.state).toBe('running');
      expect(await client.submit((x: number) => x - 1, 43)).toBe(42);
    } finally {
      await client.close();
      await cluster.close();
      directory.remove();
    }
  });
});
