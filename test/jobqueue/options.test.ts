import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BUILT_IN_SYSTEMS as systems, local, lsf, sge, slurm } from '../../cluster-adapters/index.js';
import { ConfigurationError } from '../../src/errors/index.js';
import { processesForCores, resolveJobOptions } from '../../src/jobqueue/index.js';
import { EMPTY_CONFIG, resolveIsolated, temporaryDirectory } from './helpers.js';

const BASE = { cores: 8, memory: '16 GB' };

describe('required options', () => {
  test('missing cores and memory is an error that shows an example and where to set them', () => {
    const attempt = () => resolveIsolated(slurm, {});
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow("cores and memory are not set. For example:\n  new SLURMCluster({ cores: 8, memory: '24 GB' })");
    expect(attempt).toThrow('`slurm` section of the config file');
  });

  test('the example keeps the value that was given', () => {
    expect(() => resolveIsolated(sge, { cores: 4 })).toThrow("memory is not set. For example:\n  new SGECluster({ cores: 4, memory: '24 GB' })");
  });

  test('zero memory is refused', () => {
    expect(() => resolveIsolated(slurm, { cores: 1, memory: 0 })).toThrow(/memory must be more than 0 bytes/);
  });
});

describe('processes and threads', () => {
  test.each([
    [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 3], [7, 7], [8, 4], [12, 4], [24, 6], [32, 8], [36, 6],
  ])('Dask splits %d cores into %d processes (processesForCores); flotilla defaults to one process per job', (cores, processes) => {
    expect(processesForCores(cores)).toBe(processes);
    const job = resolveIsolated(slurm, { cores, memory: '1 GB' });
    expect(job.processes).toBe(1);
    expect(job.threadsPerProcess).toBe(cores);
    expect(job.memoryPerProcessBytes).toBe(1e9);
    expect(job.sources.processes).toBe('default');
    const asDask = resolveIsolated(slurm, { cores, memory: '1 GB', processes: processesForCores(cores) });
    expect([asDask.processes, asDask.threadsPerProcess, asDask.sources.processes]).toEqual([processes, Math.floor(cores / processes), 'constructor']);
  });

  test('threads are floored: 6 cores in 4 processes run 1 thread each', () => {
    const job = resolveIsolated(slurm, { cores: 6, processes: 4, memory: '8 GB' });
    expect(job.threadsPerProcess).toBe(1);
    expect(job.memoryPerProcessBytes).toBe(2e9);
  });

  test('more processes than cores is refused', () => {
    expect(() => resolveIsolated(slurm, { cores: 2, processes: 3, memory: '8 GB' })).toThrow(
      'processes (3) is more than cores (2)',
    );
  });

  test('memory per process is the job memory divided by processes, in whole bytes', () => {
    const job = resolveIsolated(slurm, { cores: 3, processes: 3, memory: '1 GB' });
    expect(job.memoryBytes).toBe(1e9);
    expect(job.memoryPerProcessBytes).toBe(333_333_333);
  });
});

describe('unknown and misplaced options', () => {
  test('a misspelt option names it, suggests the closest and lists the valid ones', () => {
    const attempt = () => resolveIsolated(slurm, { ...BASE, walltim: '01:00:00' });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow('new SLURMCluster(…): unknown option `walltim`. Did you mean `walltime`?');
    expect(attempt).toThrow(/Valid slurm options: cores, memory, processes, .*jobExtraDirectives.*account, jobCpu, jobMem\./);
  });

  test("another system's option says which system it belongs to", () => {
    expect(() => resolveIsolated(sge, { ...BASE, jobCpu: 4 })).toThrow(
      'new SGECluster(…): `jobCpu` is an option of slurm jobs, not of sge jobs.',
    );
    expect(() => resolveIsolated(slurm, { ...BASE, resourceSpec: 'x' })).toThrow('is an option of sge, pbs, oar and moab jobs');
  });

  test("the caller's own keys are accepted and listed", () => {
    const job = resolveIsolated(slurm, { ...BASE, nWorkers: 2 }, { otherKeys: ['nWorkers', 'security'] });
    expect(job.cores).toBe(8);
    expect(() => resolveIsolated(slurm, { ...BASE, nWorker: 2 }, { otherKeys: ['nWorkers'] })).toThrow(
      /unknown option `nWorker`\. Did you mean `nWorkers`\?.*jobMem, nWorkers\./,
    );
  });

  test.each([
    [{ cores: '8' }, 'cores (from new SLURMCluster(…)) must be a positive whole number, got "8"'],
    [{ cores: 2.5 }, 'must be a positive whole number, got number 2.5'],
    [{ jobName: 'my job' }, "jobName (from new SLURMCluster(…)) must be a job name of letters"],
    [{ jobExtraDirectives: [{ x: 1 }] }, 'jobExtraDirectives (from new SLURMCluster(…)) must be a list of strings'],
    [{ deathTimeout: -1 }, 'must be a non-negative number of seconds'],
  ])('a wrong value (%j) names the option, its origin and what was received', (options, message) => {
    expect(() => resolveIsolated(slurm, { ...BASE, ...options })).toThrow(message);
  });
});

describe('resolution order: constructor, then config file, then environment, then defaults', () => {
  function writeConfig(directory: string, text: string): string {
    const path = join(directory, 'jobqueue.yaml');
    writeFileSync(path, text);
    return path;
  }

  test('each layer wins over the ones below it', () => {
    const directory = temporaryDirectory();
    const configPath = writeConfig(
      directory,
      ['slurm:', "  walltime: '02:00:00'", '  queue: yaml-queue', '  account: yaml-account', 'sge:', '  queue: other'].join('\n'),
    );
    const env = {
      FLOTILLA_CONFIG: configPath,
      FLOTILLA_JOBQUEUE__SLURM__WALLTIME: '03:00:00',
      FLOTILLA_JOBQUEUE__SLURM__QUEUE: 'env-queue',
      FLOTILLA_JOBQUEUE__SLURM__JOB_CPU: '3',
      FLOTILLA_JOBQUEUE__SLURM__CORES: '2',
    };
    const job = resolveJobOptions(slurm, { ...BASE, walltime: '01:00:00' }, { env, cwd: directory, systems });
    expect(job.walltimeSeconds).toBe(3600); // constructor beats config and env
    expect(job.queue).toBe('yaml-queue'); // config beats env
    expect(job.account).toBe('yaml-account'); // config only
    expect(job.jobCpu).toBe(3); // env only, parsed as a number
    expect(job.cores).toBe(8); // constructor beats env
    expect(job.deathTimeout).toBe(60); // default
    expect(job.sources).toMatchObject({
      walltime: 'constructor',
      queue: 'config',
      account: 'config',
      jobCpu: 'env',
      cores: 'constructor',
      deathTimeout: 'default',
    });
    expect(job.sources.project).toBeUndefined();
  });

  test('the config file is found in ~/.config/flotilla when FLOTILLA_CONFIG is not set', () => {
    const home = temporaryDirectory();
    mkdirSync(join(home, '.config', 'flotilla'), { recursive: true });
    writeConfig(join(home, '.config', 'flotilla'), 'slurm:\n  cores: 4\n  memory: 8 GiB\n  job-name: from-home\n');
    const job = resolveJobOptions(slurm, {}, { env: { HOME: home }, cwd: home, systems });
    expect(job.cores).toBe(4);
    expect(job.memoryBytes).toBe(8 * 1024 ** 3);
    expect(job.jobName).toBe('from-home');
    expect(job.sources.cores).toBe('config');
  });

  test('cores and memory can come from the environment alone', () => {
    const env = { FLOTILLA_JOBQUEUE__LOCAL__CORES: '2', FLOTILLA_JOBQUEUE__LOCAL__MEMORY: '2 GB' };
    const job = resolveJobOptions(local, {}, { config: EMPTY_CONFIG, env, systems });
    expect([job.cores, job.memoryBytes]).toEqual([2, 2e9]);
  });

  test('list options from the environment take a YAML flow list or one item', () => {
    const env = {
      FLOTILLA_JOBQUEUE__SLURM__JOB_EXTRA_DIRECTIVES: '["--exclusive", "--gres=gpu:1"]',
      FLOTILLA_JOBQUEUE__SLURM__JOB_SCRIPT_PROLOGUE: 'module load nodejs/20',
      FLOTILLA_JOBQUEUE__SLURM__NODE_EXECUTABLE: '["apptainer", "exec", "node.sif", "node"]',
    };
    const job = resolveJobOptions(slurm, BASE, { config: EMPTY_CONFIG, env, systems });
    expect(job.jobExtraDirectives).toEqual(['--exclusive', '--gres=gpu:1']);
    expect(job.jobScriptPrologue).toEqual(['module load nodejs/20']);
    expect(job.nodeExecutable).toEqual(['apptainer', 'exec', 'node.sif', 'node']);
  });

  test('a misspelt environment variable is an error naming it', () => {
    const attempt = (env: Record<string, string>) => () => resolveJobOptions(slurm, BASE, { config: EMPTY_CONFIG, env, systems });
    expect(attempt({ FLOTILLA_JOBQUEUE__SLURM__WALTIME: '1' })).toThrow(
      'Environment variable FLOTILLA_JOBQUEUE__SLURM__WALTIME: unknown option `WALTIME`. Did you mean `WALLTIME`?',
    );
    expect(attempt({ FLOTILLA_JOBQUEUE__SLRUM__WALLTIME: '1' })).toThrow(
      'Environment variable FLOTILLA_JOBQUEUE__SLRUM__WALLTIME does not name a batch system and an option',
    );
    expect(attempt({ FLOTILLA_JOBQUEUE__SLURM__PROJECT: 'x' })).toThrow('`PROJECT` is an option of sge, lsf and oar jobs');
    expect(attempt({ FLOTILLA_JOBQUEUE__SLURM__CORES: 'eight' })).toThrow(
      'cores (from environment variable FLOTILLA_JOBQUEUE__SLURM__CORES) must be a positive whole number, got "eight"',
    );
    // Another system's variables are checked when that system is resolved, not now.
    expect(attempt({ FLOTILLA_JOBQUEUE__SGE__WALTIME: '1' })()).toMatchObject({ cores: 8 });
  });
});

describe('derived values', () => {
  test.each([
    ['01:00:00', 3300, 150],
    ['00:30:00', 1620, 90],
    ['00:05:00', 270, 15],
    ['10:00:00', 35_700, 150],
  ])('walltime %s gives workers a lifetime of %d s, staggered by %d s', (walltime, lifetime, stagger) => {
    const job = resolveIsolated(slurm, { ...BASE, walltime });
    expect([job.lifetimeSeconds, job.lifetimeStaggerSeconds]).toEqual([lifetime, stagger]);
    expect(job.lifetimeSeconds! + job.lifetimeStaggerSeconds!).toBeLessThan(job.walltimeSeconds!);
  });

  test('margin and stagger can be set, within limits', () => {
    const job = resolveIsolated(slurm, { ...BASE, walltime: 60, lifetimeMarginSeconds: 600, lifetimeStaggerSeconds: 60 });
    expect([job.lifetimeSeconds, job.lifetimeStaggerSeconds]).toEqual([3000, 60]);
    expect(() => resolveIsolated(slurm, { ...BASE, walltime: 10, lifetimeMarginSeconds: 600 })).toThrow(
      'lifetimeMarginSeconds (600) must be shorter than the walltime (600 s)',
    );
    expect(() => resolveIsolated(slurm, { ...BASE, lifetimeMarginSeconds: 60, lifetimeStaggerSeconds: 61 })).toThrow(
      'lifetimeStaggerSeconds (61) must not exceed lifetimeMarginSeconds (60)',
    );
  });

  test('local jobs have no walltime, hence no lifetime, unless one is given', () => {
    expect(resolveIsolated(local, BASE)).toMatchObject({ walltimeSeconds: null, lifetimeSeconds: null });
    expect(resolveIsolated(local, { ...BASE, walltime: 10 })).toMatchObject({ walltimeSeconds: 600, lifetimeSeconds: 540 });
  });

  test("two-field walltimes are read as the system reads them", () => {
    expect(resolveIsolated(lsf, { ...BASE, walltime: '01:30' }).walltimeSeconds).toBe(5400);
    expect(resolveIsolated(slurm, { ...BASE, walltime: '01:30' }).walltimeSeconds).toBe(90);
    expect(resolveIsolated(lsf, BASE).walltimeSeconds).toBe(1800); // LSF's default '00:30'
  });

  test('paths are resolved against the working directory; whitespace in the log directory is refused', () => {
    const job = resolveIsolated(slurm, { ...BASE, logDirectory: 'logs', templateFile: 'site.tmpl' }, { cwd: '/home/u/p' });
    expect(job.logDirectory).toBe('/home/u/p/logs');
    expect(job.templateFile).toBe('/home/u/p/site.tmpl');
    expect(resolveIsolated(slurm, BASE, { cwd: '/home/u/p' }).logDirectory).toBe('/home/u/p/.flotilla-logs');
    expect(() => resolveIsolated(slurm, { ...BASE, logDirectory: '/my logs' })).toThrow(/contains whitespace/);
  });

  test('defaults', () => {
    const job = resolveIsolated(sge, BASE);
    expect(job).toMatchObject({
      jobName: 'flotilla-worker',
      name: 'SGECluster',
      shebang: '#!/usr/bin/env bash',
      nodeExecutable: [process.execPath],
      deathTimeout: 60,
      walltimeSeconds: 1800,
      jobExtraDirectives: [],
      workerExtraArgs: [],
    });
  });
});
