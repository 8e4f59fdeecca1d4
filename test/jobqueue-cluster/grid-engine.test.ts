/** The conformance suite on the testbed's real Grid Engine. Skipped with the reason when it is not up; a failure under CI=true. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { JobCleanupError, SGECluster } from '../../src/jobqueue-cluster/index.js';
import { sgeStatus, skipUnless } from '../hpc/testbed.js';
import { clusterConformance } from './conformance.js';
import { isolatedContext, makeTemporaryDirectory, run, uniqueJobName, waitFor } from './helpers.js';

/** Ids of waiting and running Grid Engine jobs of every user (ended jobs vanish from qstat at once). */
function listSgeJobIds(): string[] {
  return run('qstat', ['-u', '*'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((id) => /^\d+$/.test(id));
}

clusterConformance('Grid Engine', (options, context) => new SGECluster(options, context), sgeStatus(), {
  // No h_vmem request: Node needs 1.1 + 0.6·threads GB of it, and the suite is about the job path.
  refused: { options: { queue: 'no-such-queue' }, output: /unknown queue "no-such-queue"/ },
  listActiveJobIds: listSgeJobIds,
  outputFilesExact: true,
});

describe.skipIf(skipUnless(sgeStatus()))('Grid Engine: close() that runs out of time', () => {
  test('a job still listed when closeTimeoutMs runs out makes close() throw JobCleanupError naming it and the command', { timeout: 90_000 }, async () => {
    const directory = makeTemporaryDirectory();
    // No time to confirm: qstat still lists the job right after qdel (and an ended job only counts as
    // gone after two polls that miss it), so the check gives up with the job listed.
    const cluster = new SGECluster(
      { cores: 1, memory: '512 MB', host: '127.0.0.1', jobName: uniqueJobName('fq-cleanup'), logDirectory: join(directory.path, 'logs'), closeTimeoutMs: 0, statusPollMs: 500 },
      isolatedContext(directory.path),
    );
    try {
      await cluster.scale(1);
      const [jobId] = [...cluster.jobs.keys()];
      await waitFor('the worker to connect', () => (cluster.workerCount === 1 ? true : undefined), { timeoutMs: 60_000 });
      const error = await cluster.close().then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(JobCleanupError);
      expect((error as JobCleanupError).jobs.map((job) => job.jobId)).toEqual([jobId]);
      expect((error as JobCleanupError).message).toContain(`Cancel by hand: qdel ${jobId}`);
      expect(existsSync(cluster.securityFile!)).toBe(false); // everything else was closed
      await waitFor(`job ${jobId} to leave qstat after all`, () => (listSgeJobIds().includes(jobId!) ? undefined : true), { timeoutMs: 30_000, intervalMs: 250 });
    } finally {
      directory.remove();
    }
  });
});
