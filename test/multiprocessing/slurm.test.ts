/**
 * functionMultiprocessing on the HPC testbed's real SLURM: workers in two batch jobs run the wrapper,
 * write their outputs into a shared folder (every path is shared on this machine), and the caller
 * recombines them. Skipped with the reason when SLURM is not up; a failure under CI=true.
 */
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, functionMultiprocessingDetailed, PartStore, SLURMCluster, TaskError } from '../../src/index.js';
import { skipUnless, slurmStatus } from '../hpc/testbed.js';
import { gridTask, type PackageGridKwargs as GridKwargs } from './helpers/package-wrappers.js';

/**
 * Jobs are submitted from the repository, so workers keep their function modules under its
 * `.flotilla-worker-space/`, where `import('flotilla')` resolves to this package.
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
/**
 * Bound of the wait for the jobs' workers. The testbed's one node has two CPUs and is shared with
 * other test suites' jobs, so ours can stay pending for a while.
 */
const QUEUE_WAIT_MS = 180_000;
const TASKS = 50;
const FAILING = 13;

function gridKwargs(markStart: boolean): GridKwargs[] {
  return Array.from({ length: TASKS }, (_, index) => ({
    uuidSeed: 'slurm-test',
    ni: 2 + (index % 3),
    delayMs: markStart ? 40 : 0, // long enough for both workers to take tasks
    markStart,
    ...(index === FAILING ? { throwMessage: `grid ${index} refused: ni out of range` } : {}),
  }));
}

/** What the batch system is running, for failure messages. */
function squeue(): string {
  const listing = spawnSync('squeue', ['-o', '%i %j %T %C %m %R'], { encoding: 'utf8', timeout: 5_000 });
  return listing.stdout || listing.stderr || String(listing.error);
}

describe.skipIf(skipUnless(slurmStatus()))('functionMultiprocessing on SLURM (testbed)', () => {
  test(`${TASKS} tasks on two SLURM jobs recombine into the same file as in-process`, { timeout: 330_000 }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'flotilla-mp-slurm-'));
    const cluster = new SLURMCluster(
      {
        cores: 1,
        memory: '1 GB',
        walltime: '00:10:00',
        queue: 'debug',
        host: '127.0.0.1',
        jobName: `fmp-${process.pid}-${Math.floor(Math.random() * 1e6)}`,
        logDirectory: join(folder, 'logs'),
        statusPollMs: 1_000,
        deathTimeout: 30,
        closeTimeoutMs: 30_000,
      },
      // No config file and no FLOTILLA_JOBQUEUE__ variables of the developer: only the options above.
      { config: { path: null, jobqueue: {} }, env: {}, cwd: REPO },
    );
    let client: Client | undefined;
    try {
      await cluster.ready;
      client = await Client.connect(cluster);
      await cluster.scale({ jobs: 2 });
      await client.waitForWorkers(2, { timeoutMs: QUEUE_WAIT_MS }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\nsqueue at that moment:\n${squeue()}`, { cause: error });
      });
      const jobIds = [...cluster.jobs.keys()].sort();
      expect(jobIds).toHaveLength(2);
      // Each worker runs inside one of the two jobs.
      const workerJobs = await client.run(() => ({ pid: process.pid, jobId: process.env.SLURM_JOB_ID }));
      expect(Object.values(workerJobs).map((worker) => worker.jobId).sort()).toEqual(jobIds);
      const workerPids = new Set(Object.values(workerJobs).map((worker) => worker.pid));

      const target = join(folder, 'slurm.parts.jsonl');
      const result = await functionMultiprocessingDetailed(gridTask, gridKwargs(true), target, {
        client,
        tmpDir: join(folder, 'shared-tmp'),
        cleanUp: false, // keep the start markers: which process ran which task
        fileWait: { attempts: 20, intervalMs: 250 },
      });
      expect(result.successes).toEqual(Array.from({ length: TASKS }, (_, index) => index !== FAILING));
      const error = result.entries[FAILING]!.error;
      expect(error).toBeInstanceOf(TaskError);
      expect(error?.name).toBe('RangeError');
      expect(error?.message).toContain(`grid ${FAILING} refused: ni out of range`);

      // Every task ran in a worker of the jobs, and both jobs took some.
      const markerPids = readdirSync(result.tmpFolder)
        .map((name) => /^started_\d+_(\d+)$/.exec(name)?.[1])
        .filter((pid): pid is string => pid !== undefined)
        .map(Number);
      expect(markerPids).toHaveLength(TASKS);
      expect(new Set(markerPids)).toEqual(workerPids);

      const combined = await PartStore.read(target);
      const types = [...combined.parts.values()].map((part) => part.type);
      expect(types.filter((type) => type === 'crs' || type === 'units')).toHaveLength(2);
      expect(types.filter((type) => type === 'property')).toHaveLength(TASKS - 1);
      for (const entry of result.entries.filter((e) => e.success)) expect(combined.get(entry.uuids[0] as string)?.type).toBe('property');

      // Byte for byte what the same keyword sets give in this process.
      const referenceTarget = join(folder, 'in-process.parts.jsonl');
      await functionMultiprocessingDetailed(gridTask, gridKwargs(false), referenceTarget, { tmpDir: join(folder, 'local-tmp') });
      expect(readFileSync(target).equals(readFileSync(referenceTarget))).toBe(true);
    } finally {
      await client?.close().catch(() => undefined);
      await cluster.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
