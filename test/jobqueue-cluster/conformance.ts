/**
 * One behaviour suite for every job-queue cluster, run against the real batch systems of the testbed
 * (and the `local` adapter everywhere): real jobs start real workers that connect back and compute,
 * scale down retires whole jobs, adapt goes up and down, refused submissions reject scale(), a job
 * that dies before its workers connect is reported, and close() leaves no job and no worker process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { JobSubmissionError, TimeoutError } from '../../src/errors/index.js';
import type { ResolveContext } from '../../src/jobqueue/index.js';
import type { JobQueueCluster } from '../../src/jobqueue-cluster/index.js';
import { skipUnless, type TestbedStatus } from '../hpc/testbed.js';
import { isolatedContext, makeTemporaryDirectory, processesMentioning, uniqueJobName, waitFor } from './helpers.js';

/** Makes a cluster of the system under test. */
export type MakeCluster = (options: Record<string, unknown>, context: ResolveContext) => JobQueueCluster;

/** What differs between batch systems in the suite. */
export interface ConformanceTraits {
  /** Options every cluster of this system gets (e.g. `commandPath` for the Torque wrappers). */
  readonly baseOptions?: Record<string, unknown>;
  /** Prologue lines every job script starts with (the Torque emulation exports PBS_JOBID). */
  readonly prologue?: readonly string[];
  /** Options the batch system refuses at submission, and what it then prints (stdout or stderr); none for `local`. */
  readonly refused?: { readonly options: Record<string, unknown>; readonly output: RegExp };
  /** Ids of this system's jobs that are queued or running now, from the batch system's own listing. */
  listActiveJobIds(): string[];
  /** Whether jobs write where `outputFiles` says (not under the Torque emulation, which names them after the script). */
  readonly outputFilesExact: boolean;
}

/** Bound of every wait for the batch system (jobs may queue behind other engineers' jobs on the testbed). */
const QUEUE_WAIT_MS = 60_000;
const TEST_TIMEOUT_MS = 120_000;

/** A task that takes `ms` milliseconds without holding a thread's CPU. Shipped as source text. */
const sleepThenReturn = async (ms: number): Promise<number> => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
};

/**
 * Registers the suite for one system. Skipped (with the reason printed) when `status` says the
 * testbed part is missing; under `CI=true` that is a failure instead.
 */
export function clusterConformance(name: string, makeCluster: MakeCluster, status: TestbedStatus, traits: ConformanceTraits): void {
  describe.skipIf(skipUnless(status))(`${name}: job-queue cluster conformance`, () => {
    const directory = makeTemporaryDirectory(`flotilla-jqc-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-`);
    afterAll(() => directory.remove());

    /** A cluster with this system's base options, its own job name, logs and worker space under the temp dir. */
    const newCluster = (label: string, options: Record<string, unknown> = {}): JobQueueCluster => {
      const prologue = [...(traits.prologue ?? []), ...((options.jobScriptPrologue as string[] | undefined) ?? [])];
      return makeCluster(
        {
          cores: 1,
          memory: '512 MB',
          walltime: '00:10:00',
          host: '127.0.0.1',
          statusPollMs: 500,
          jobName: uniqueJobName(`fq-${label}`),
          logDirectory: join(directory.path, label, 'logs'),
          localDirectory: join(directory.path, label, 'space'),
          deathTimeout: 20,
          closeTimeoutMs: 30_000,
          ...traits.baseOptions,
          ...options,
          ...(prologue.length > 0 ? { jobScriptPrologue: prologue } : {}),
        },
        isolatedContext(directory.path),
      );
    };

    /** Waits until nothing of the cluster is left: no job listed by the batch system, no process dialling its scheduler. */
    const expectNothingLeft = async (cluster: JobQueueCluster, address: string): Promise<void> => {
      const ours = new Set(cluster.jobs.keys());
      expect(ours.size).toBeGreaterThan(0);
      expect([...cluster.jobs.values()].filter((job) => job.state === 'pending' || job.state === 'running')).toEqual([]);
      expect(traits.listActiveJobIds().filter((id) => ours.has(id))).toEqual([]);
      await waitFor('the worker processes of the closed cluster to exit', () => (processesMentioning(address).length === 0 ? true : undefined), {
        timeoutMs: 20_000,
        describe: () => `still running: ${processesMentioning(address).join(', ')}`,
      });
    };

    /** Waits until the cluster has run `count` more status polls (each followed by a reconcile of its job count). */
    const morePolls = async (cluster: JobQueueCluster, count: number): Promise<void> => {
      const target = cluster.statusPolls + count;
      await waitFor(`${count} more status polls`, () => (cluster.statusPolls >= target ? true : undefined), {
        timeoutMs: QUEUE_WAIT_MS,
        describe: () => `${cluster.statusPolls} of ${target} done`,
      });
    };

    describe('one cluster through its life: scale up, compute, scale down, adapt, close', () => {
      let cluster: JobQueueCluster;
      let client: Client;

      beforeAll(async () => {
        cluster = newCluster('life');
        await cluster.ready;
        client = await Client.connect(cluster);
      });
      afterAll(async () => {
        await client?.close().catch(() => undefined);
        await cluster?.close().catch(() => undefined);
      });

      test('scale(2) submits two jobs whose workers connect back with their job ids and run tasks', { timeout: TEST_TIMEOUT_MS }, async () => {
        await cluster.scale(2);
        expect(cluster.jobs.size).toBe(2);
        await client.waitForWorkers(2, { timeoutMs: QUEUE_WAIT_MS });

        const ids = [...cluster.jobs.keys()];
        const workers = cluster.scheduler.workerSummaries();
        expect(workers.map((worker) => worker.jobId).sort()).toEqual([...ids].sort());
        for (const [jobId, job] of cluster.jobs) {
          expect(job).toMatchObject({ state: 'running', workersSeen: 1, workers: [`${cluster.name}-${jobId}`], retired: false });
        }
        const squares = client.map((x: number) => x * x, [1, 2, 3, 4, 5, 6, 7, 8]);
        expect(await client.gather(squares)).toEqual([1, 4, 9, 16, 25, 36, 49, 64]);
        // Each task reports the worker's job id, from the environment the batch system gave the job.
        const variable = cluster.system.jobIdVariable;
        const seen = [0, 1, 2, 3].map((i) => client.submit((name: string, n: number) => ({ n, jobId: process.env[name] }), variable, i));
        const reports = await client.gather(seen);
        expect(reports.map((report) => report.n)).toEqual([0, 1, 2, 3]);
        for (const report of reports) expect(ids).toContain(report.jobId);
        // Release the results, so that adapt() later finds the workers idle.
        for (const future of [...squares, ...seen]) future.release();
      });

      test('scale(1) retires one whole job: its worker leaves and the job is cancelled', { timeout: TEST_TIMEOUT_MS }, async () => {
        const before = [...cluster.jobs.keys()];
        await cluster.scale(1);
        const retired = [...cluster.jobs.values()].filter((job) => job.retired);
        expect(retired.map((job) => job.jobId)).toHaveLength(1);
        const retiredId = retired[0]!.jobId;
        expect(before).toContain(retiredId);
        expect(cluster.jobs.size).toBe(2); // nothing new submitted
        await waitFor('one worker left', () => (cluster.workerCount === 1 ? true : undefined), { timeoutMs: QUEUE_WAIT_MS });
        await waitFor(`job ${retiredId} to leave the batch system`, () => (traits.listActiveJobIds().includes(retiredId) ? undefined : true), {
          timeoutMs: QUEUE_WAIT_MS,
          intervalMs: 250,
        });
        await waitFor(`the cluster to see job ${retiredId} end`, () => (cluster.jobs.get(retiredId)?.state === 'finished' ? true : undefined), {
          timeoutMs: QUEUE_WAIT_MS,
          describe: () => JSON.stringify(cluster.jobs.get(retiredId)),
        });
        expect(cluster.scheduler.workerSummaries().map((worker) => worker.jobId)).not.toContain(retiredId);
      });

      test('adapt() retires idle jobs, scales up when tasks queue, and back down when done', { timeout: TEST_TIMEOUT_MS }, async () => {
        const adaptive = cluster.adapt({ minimum: 0, maximum: 2, targetDurationMs: 200, waitCount: 2, intervalMs: 250 });
        const live = () => [...cluster.jobs.values()].filter((job) => !job.retired && (job.state === 'pending' || job.state === 'running'));
        await waitFor('adapt to retire the idle job', () => (live().length === 0 && cluster.workerCount === 0 ? true : undefined), {
          timeoutMs: QUEUE_WAIT_MS,
          describe: () => cluster.describeWorkers(),
        });
        const submittedBefore = cluster.jobs.size;

        const futures = [0, 1, 2, 3, 4, 5].map((i) => client.submit(sleepThenReturn, 1_500 + i));
        await waitFor('adapt to run two workers for the queued tasks', () => (cluster.workerCount === 2 ? true : undefined), {
          timeoutMs: QUEUE_WAIT_MS,
          describe: () => cluster.describeWorkers(),
        });
        expect(await client.gather(futures)).toEqual([1500, 1501, 1502, 1503, 1504, 1505]);
        for (const future of futures) future.release(); // workers holding wanted results are not retired by adapt
        await waitFor('adapt to scale back down to no job', () => (live().length === 0 && cluster.workerCount === 0 ? true : undefined), {
          timeoutMs: QUEUE_WAIT_MS,
          describe: () => cluster.describeWorkers(),
        });
        await adaptive.stop();
        // Up to the maximum of two jobs, once: no job was started and killed in a loop.
        expect(cluster.jobs.size - submittedBefore).toBe(2);
      });

      test('close() cancels every job, leaves none in the batch system and no worker process, and removes the keys', { timeout: TEST_TIMEOUT_MS }, async () => {
        await cluster.scale(2);
        await client.waitForWorkers(1, { timeoutMs: QUEUE_WAIT_MS });
        const address = cluster.schedulerAddress;
        const keyFile = cluster.securityFile;
        expect(keyFile !== undefined && existsSync(keyFile)).toBe(true);
        await client.close();
        await cluster.close();
        expect(existsSync(keyFile!)).toBe(false);
        await expectNothingLeft(cluster, address);
      });
    });

    test('a job that ends before its workers connect is reported: warning, cluster.jobs, waitForWorkers message', { timeout: TEST_TIMEOUT_MS }, async () => {
      const cluster = newCluster('early', {
        jobScriptPrologue: ['echo "flotilla test: this job fails before its worker starts" >&2', 'exit 3'],
        maxConsecutiveJobFailures: 1,
      });
      const warnings: string[] = [];
      cluster.log.addSink((line, level) => {
        if (level === 'warn') warnings.push(line);
      });
      const client = await Client.connect(cluster);
      try {
        await cluster.scale(1);
        const [jobId] = [...cluster.jobs.keys()];
        const ended = await waitFor(
          `job ${jobId} to end`,
          () => {
            const job = cluster.jobs.get(jobId!);
            return job?.state === 'finished' || job?.state === 'failed' ? job : undefined;
          },
          { timeoutMs: QUEUE_WAIT_MS, describe: () => cluster.describeWorkers() },
        );
        expect(ended).toMatchObject({ workersSeen: 0, cancelRequested: false, retired: false });
        const files = ended.outputFiles;
        const paths = files.stdout === files.stderr ? files.stdout : `${files.stderr} and ${files.stdout}`;
        const report = `job ${jobId} ended (${ended.native}) before its workers connected; see ${paths}`;
        expect(warnings.some((line) => line.endsWith(report))).toBe(true);
        if (traits.outputFilesExact) expect(readFileSync(files.stderr, 'utf8')).toContain('this job fails before its worker starts');

        const waiting = client.waitForWorkers(1, { timeoutMs: 300 });
        await expect(waiting).rejects.toBeInstanceOf(TimeoutError);
        await expect(waiting).rejects.toThrow(report);
        // One failure is the limit here: the cluster does not resubmit a job that cannot start, however
        // often it looks again (each poll is followed by a reconcile that would submit one).
        await morePolls(cluster, 3);
        expect(cluster.jobs.size).toBe(1);
        expect(cluster.describeWorkers()).toContain('not submitting jobs on its own');
      } finally {
        await client.close();
        await cluster.close();
      }
    });

    test('a worker retired through the client is not replaced: its job is retired and the cluster asks for one job less', { timeout: TEST_TIMEOUT_MS }, async () => {
      const cluster = newCluster('client-retire');
      const client = await Client.connect(cluster);
      try {
        await cluster.scale(2);
        await client.waitForWorkers(2, { timeoutMs: QUEUE_WAIT_MS });
        const [jobId, job] = [...cluster.jobs][0]!;
        const worker = job.workers[0]!;
        expect(await client.retireWorkers([worker])).toEqual([worker]);
        await waitFor(`job ${jobId} to count as retired`, () => (cluster.jobs.get(jobId)?.retired ? true : undefined), {
          timeoutMs: QUEUE_WAIT_MS,
          describe: () => JSON.stringify(cluster.jobs.get(jobId)),
        });
        expect(cluster.jobs.get(jobId)!.workers).toEqual([]);
        // Each poll is followed by a reconcile of the job count: none submits a job in its place.
        await morePolls(cluster, 3);
        expect(cluster.jobs.size).toBe(2);
        expect(cluster.workerCount).toBe(1);
        expect(cluster.scheduler.workerSummaries().map((summary) => summary.jobId)).not.toContain(jobId);
        await waitFor(`job ${jobId} to leave the batch system`, () => (traits.listActiveJobIds().includes(jobId) ? undefined : true), {
          timeoutMs: QUEUE_WAIT_MS,
          intervalMs: 250,
        });
      } finally {
        await client.close();
        const address = cluster.scheduler.address;
        await cluster.close();
        await expectNothingLeft(cluster, address);
      }
    });

    test.skipIf(traits.refused === undefined)(
      'a job the batch system refuses rejects scale() with JobSubmissionError, and is not retried',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const cluster = newCluster('refused', traits.refused!.options);
        try {
          await cluster.ready;
          const error = await cluster.scale(1).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(error).toBeInstanceOf(JobSubmissionError);
          const refusal = error as JobSubmissionError;
          expect(refusal.command.length).toBeGreaterThan(0);
          expect(refusal.exitCode).not.toBe(0);
          expect(`${refusal.stdout}\n${refusal.stderr}`).toMatch(traits.refused!.output);
          expect(refusal.message).toContain(refusal.command[0]!);
          await morePolls(cluster, 3); // each poll reconciles the job count: none resubmits the refused job
          expect(cluster.jobs.size).toBe(0);
        } finally {
          await cluster.close();
        }
      },
    );

    test('several worker processes per job: scaled as one job, retired together by adapt, never in a loop', { timeout: TEST_TIMEOUT_MS }, async () => {
      const cluster = newCluster('grouped', { cores: 2, processes: 2, memory: '1 GB' });
      const client = await Client.connect(cluster);
      try {
        await cluster.scale(3); // 3 workers → 2 jobs of 2
        expect(cluster.jobs.size).toBe(2);
        await cluster.scale(2); // → 1 job of 2; the job that has not started (or the newest) goes
        await client.waitForWorkers(2, { timeoutMs: QUEUE_WAIT_MS });
        const running = [...cluster.jobs.values()].filter((job) => !job.retired);
        expect(running).toHaveLength(1);
        const jobId = running[0]!.jobId;
        expect([...cluster.jobs.get(jobId)!.workers].sort()).toEqual([`${cluster.name}-${jobId}-0`, `${cluster.name}-${jobId}-1`]);
        const tens = [1, 2].map((x) => client.submit((n: number) => n * 10, x));
        expect(await client.gather(tens)).toEqual([10, 20]);
        for (const future of tens) future.release(); // workers holding wanted results are not retired by adapt

        // First removal of each worker of the job, and why. (A retired worker can register again for a
        // moment: a heartbeat it sent before it saw 'close' gets 'unknown-worker'; the cluster retires it at once.)
        // Each with the turn of the event loop it happened in.
        const removals = new Map<string, { reason: string; turn: number }>();
        let turn = 0;
        let turnEnds = false;
        cluster.scheduler.on('worker-removed', (worker, reason) => {
          if (worker.jobId !== jobId || removals.has(worker.name)) return;
          removals.set(worker.name, { reason, turn });
          if (turnEnds) return;
          turnEnds = true;
          setImmediate(() => {
            turn += 1;
            turnEnds = false;
          });
        });
        const adaptive = cluster.adapt({ minimum: 0, maximum: 4, waitCount: 2, intervalMs: 250 });
        await waitFor('adapt to retire the idle job', () => (cluster.workerCount === 0 && cluster.jobs.get(jobId)?.retired ? true : undefined), {
          timeoutMs: QUEUE_WAIT_MS,
          describe: () => cluster.describeWorkers(),
        });
        // Both workers of the job at once: retired by adapt in one step (the same turn of the event loop).
        expect([...removals.keys()].sort()).toEqual([`${cluster.name}-${jobId}-0`, `${cluster.name}-${jobId}-1`]);
        const [first, second] = [...removals.values()];
        expect(first).toEqual({ reason: 'retired (adaptive scale-down: job retired)', turn: first!.turn });
        expect(second).toEqual(first);
        // Six adapt checks with no work (three times its waitCount) change nothing.
        const checksBefore = adaptive.checks;
        await waitFor('six more adapt checks', () => (adaptive.checks >= checksBefore + 6 ? true : undefined), { timeoutMs: QUEUE_WAIT_MS });
        await adaptive.stop();
        expect(cluster.jobs.size).toBe(2); // nothing resubmitted
        expect(cluster.workerCount).toBe(0);
      } finally {
        await client.close();
        const address = cluster.scheduler.address;
        await cluster.close();
        await expectNothingLeft(cluster, address);
      }
    });
  });
}
