/**
 * The cluster object itself: options from the constructor and the config file, the exact job script,
 * `nWorkers`, `jobs`, misuse after `close()`; and on the SLURM testbed, a job that stays queued is
 * named in waitForWorkers' time-out message and is cancelled by close().
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { ConfigurationError, TimeoutError } from '../../src/errors/index.js';
import { local } from '../../cluster-adapters/index.js';
import { buildJobScript } from '../../src/jobqueue/index.js';
import { JobQueueCluster, LocalJobCluster, SCHEDULER_ADDRESS_PLACEHOLDER, SLURMCluster } from '../../src/jobqueue-cluster/index.js';
import { skipUnless, slurmStatus } from '../hpc/testbed.js';
import { isolatedContext, makeTemporaryDirectory, processesMentioning, run, uniqueJobName, waitFor } from './helpers.js';

describe('options', () => {
  test('an unknown option is refused, naming the class and listing the cluster options too', () => {
    const directory = makeTemporaryDirectory();
    try {
      const make = () => new LocalJobCluster({ cores: 1, memory: '1 GB', nWorker: 2 } as never, isolatedContext(directory.path));
      expect(make).toThrow(ConfigurationError);
      expect(make).toThrow(/nWorker/);
      expect(make).toThrow(/new LocalJobCluster/);
      expect(make).toThrow(/nWorkers/);
      expect(() => new LocalJobCluster({ cores: 1, memory: '1 GB', statusPollMs: 0 }, isolatedContext(directory.path))).toThrow(
        /statusPollMs must be a whole number ≥ 50, got 0/,
      );
    } finally {
      directory.remove();
    }
  });

  test('job options come from the config file named by FLOTILLA_CONFIG (kebab-case keys, one section per system)', async () => {
    const directory = makeTemporaryDirectory();
    const configFile = join(directory.path, 'jobqueue.yaml');
    writeFileSync(
      configFile,
      ['local:', '  cores: 2', '  memory: 2 GB', '  death-timeout: 45', "  job-script-prologue: ['export FROM_CONFIG=1']", 'slurm:', '  queue: debug', ''].join('\n'),
    );
    const cluster = new LocalJobCluster(
      { processes: 1, host: '127.0.0.1', logDirectory: join(directory.path, 'logs') },
      { env: { FLOTILLA_CONFIG: configFile }, cwd: directory.path },
    );
    try {
      expect(cluster.jobOptions).toMatchObject({ cores: 2, memoryBytes: 2e9, deathTimeout: 45, processes: 1, threadsPerProcess: 2 });
      expect(cluster.jobOptions.sources).toMatchObject({ cores: 'config', processes: 'constructor' });
      expect(cluster.jobScript()).toMatch(/\nexport FROM_CONFIG=1\n.* --nthreads 2 --memory-limit 2000000000 --nworkers 1 --death-timeout 45 /);
    } finally {
      await cluster.close();
      directory.remove();
    }
  });
});

describe('the cluster object', () => {
  test('jobScript() before and after ready; the script that runs is exactly jobScript(); nWorkers; jobs', { timeout: 60_000 }, async () => {
    const directory = makeTemporaryDirectory();
    const logs = join(directory.path, 'logs');
    const cluster = new LocalJobCluster(
      { cores: 2, processes: 2, memory: '1 GB', nWorkers: 3, host: '127.0.0.1', logDirectory: logs, jobName: 'api', statusPollMs: 300 },
      isolatedContext(directory.path),
    );
    try {
      // Before the scheduler listens, the address is a placeholder (quoted for bash, as it holds < and >).
      expect(cluster.jobScript()).toContain(` '${SCHEDULER_ADDRESS_PLACEHOLDER}' --name `);
      expect(cluster.jobHeader).toBe(''); // the local system has no directives
      await cluster.ready;
      // nWorkers: 3 workers of 2 per job → 2 jobs submitted before ready resolved.
      expect(cluster.jobs.size).toBe(2);
      const script = cluster.jobScript();
      expect(script).toBe(buildJobScript(local, cluster.jobOptions, cluster.schedulerAddress, { securityFile: cluster.securityFile! }));
      // The local adapter keeps the submitted scripts for bash to read: they are byte for byte jobScript().
      const submitted = readdirSync(logs).filter((name) => name.startsWith('api-') && name.endsWith('.sh'));
      expect(submitted).toHaveLength(2);
      for (const name of submitted) expect(readFileSync(join(logs, name), 'utf8')).toBe(script);

      const client = await Client.connect(cluster);
      await client.waitForWorkers(4, { timeoutMs: 30_000 });
      for (const [jobId, job] of cluster.jobs) {
        expect(job).toMatchObject({
          jobId,
          state: 'running',
          workersSeen: 2,
          retired: false,
          cancelRequested: false,
          outputFiles: { stdout: join(logs, `api-${jobId}.out`), stderr: join(logs, `api-${jobId}.err`) },
        });
        expect([...job.workers].sort()).toEqual([`LocalJobCluster-${jobId}-0`, `LocalJobCluster-${jobId}-1`]);
      }
      expect(cluster.describeWorkers()).toMatch(/^LocalJobCluster: 2 jobs running \(ids \d+, \d+\) with 4 workers connected$/);
      await client.close();
    } finally {
      await cluster.close();
      directory.remove();
    }
    expect([...cluster.jobs.values()].map((job) => [job.state, job.retired])).toEqual([
      ['finished', true],
      ['finished', true],
    ]);
  });

  test('after close(): scale() and adapt() are refused; close() again returns at once', async () => {
    const directory = makeTemporaryDirectory();
    const cluster = new LocalJobCluster({ cores: 1, memory: '1 GB', host: '127.0.0.1' }, isolatedContext(directory.path));
    expect(cluster.describeWorkers()).toBe('LocalJobCluster: no jobs submitted (call scale() or adapt())');
    await cluster.close();
    await expect(cluster.scale(1)).rejects.toThrow(/scale\(\) was called after close\(\) on LocalJobCluster/);
    expect(() => cluster.adapt()).toThrow(/adapt\(\) was called after close\(\)/);
    await expect(cluster.close()).resolves.toBeUndefined();
    await expect(cluster.scale(-1)).rejects.toThrow(/whole number ≥ 0, got -1/);
    directory.remove();
  });

  test('the base class takes any adapter and names itself after the adapter', async () => {
    const directory = makeTemporaryDirectory();
    const cluster = new JobQueueCluster(local, { cores: 1, memory: '1 GB', host: '127.0.0.1', name: 'mine' }, isolatedContext(directory.path));
    expect(cluster.name).toBe('mine');
    expect(() => new JobQueueCluster(local, { cores: 1 }, isolatedContext(directory.path))).toThrow(/LocalJobCluster needs to know/);
    await cluster.close();
    directory.remove();
  });
});

describe.skipIf(skipUnless(slurmStatus()))('SLURM: a job that cannot start yet', () => {
  test('waitForWorkers names the queued job; close() cancels it and squeue no longer lists it', { timeout: 60_000 }, async () => {
    const directory = makeTemporaryDirectory();
    // More CPUs than the node has: SLURM accepts the job and keeps it pending (reason PartitionConfig).
    const cluster = new SLURMCluster(
      { cores: 1, jobCpu: 64, memory: '256 MB', host: '127.0.0.1', jobName: uniqueJobName('fq-queued'), logDirectory: join(directory.path, 'logs'), statusPollMs: 300 },
      isolatedContext(directory.path),
    );
    const client = await Client.connect(cluster);
    try {
      await cluster.scale(1);
      const [jobId] = [...cluster.jobs.keys()];
      await waitFor('squeue to list the job as pending', () => (run('squeue', ['-h', '-j', jobId!, '-o', '%T']).trim() === 'PENDING' ? true : undefined), {
        timeoutMs: 10_000,
      });
      const waiting = client.waitForWorkers(1, { timeoutMs: 500 });
      await expect(waiting).rejects.toBeInstanceOf(TimeoutError);
      await expect(waiting).rejects.toThrow(`0 workers connected; SLURMCluster: 1 job still queued (id ${jobId})`);
      expect(cluster.jobs.get(jobId!)).toMatchObject({ state: 'pending', native: 'PENDING', workersSeen: 0 });
      await client.close();
      await cluster.close();
      expect(run('squeue', ['-h', '-o', '%i']).split('\n')).not.toContain(jobId);
      expect(cluster.jobs.get(jobId!)).toMatchObject({ state: 'finished', native: 'CANCELLED', retired: true });
    } finally {
      await client.close();
      await cluster.close();
      directory.remove();
    }
  });
});

describe('a program that exits without close()', () => {
  test('its jobs are cancelled and the key file removed as it exits', { timeout: 60_000 }, async () => {
    const directory = makeTemporaryDirectory();
    const program = join(directory.path, 'forgetful.mjs');
    const clusterModule = new URL('../../dist/src/jobqueue-cluster/index.js', import.meta.url).href;
    writeFileSync(
      program,
      [
        `import { LocalJobCluster } from ${JSON.stringify(clusterModule)};`,
        `const cluster = new LocalJobCluster({ cores: 1, memory: '512 MB', host: '127.0.0.1', logDirectory: ${JSON.stringify(join(directory.path, 'logs'))}, statusPollMs: 200 },`,
        `  { config: { path: null, jobqueue: {} }, env: {}, cwd: ${JSON.stringify(directory.path)} });`,
        'await cluster.scale(1);',
        'const deadline = Date.now() + 20000;',
        'while (cluster.workerCount < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));',
        'console.log(JSON.stringify({ jobs: [...cluster.jobs.keys()], workers: cluster.workerCount, keyFile: cluster.securityFile }));',
        'process.exit(0);',
      ].join('\n'),
    );
    try {
      const report = JSON.parse(run(process.execPath, [program]).trim()) as { jobs: string[]; workers: number; keyFile: string };
      expect(report.workers).toBe(1);
      expect(existsSync(report.keyFile)).toBe(false);
      const [jobId] = report.jobs;
      // The local adapter's job id is the pid of the job's process group leader: it is gone.
      await waitFor(`job ${jobId} to be gone`, () => (processesMentioning('flotilla-local-job').includes(Number(jobId)) ? undefined : true), {
        timeoutMs: 10_000,
      });
      expect(readFileSync(join(directory.path, 'logs', `.flotilla-local-${jobId}.exit`), 'utf8').trim()).toBe('143');
    } finally {
      directory.remove();
    }
  });
});
