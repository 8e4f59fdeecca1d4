/**
 * The last dask-jobqueue behaviours, case by case, at the level of options and job scripts: job ids
 * anywhere in the submit output, a clear error for a cluster with no batch system, `scheduler-port`
 * and `scheduler-options` in the config file, named config sections, a worker command wrapper, and
 * separate scheduler and worker interfaces. (The running parts are in test/jobqueue-cluster/.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BUILT_IN_SYSTEMS as systems, htcondor, local, pbs, sge, slurm } from '../../cluster-adapters/index.js';
import { ConfigurationError } from '../../src/errors/index.js';
import { JobQueueCluster, SGECluster, clusterClass } from '../../src/jobqueue-cluster/index.js';
import { buildWorkerCommand, loadFlotillaConfig, parseJobId, resolveJobOptions } from '../../src/jobqueue/index.js';
import { EMPTY_CONFIG, resolveIsolated, temporaryDirectory } from './helpers.js';

const BASE = { cores: 2, memory: '4 GB', nodeExecutable: '/opt/node/bin/node' };
const ADDRESS = 'tcp://10.0.0.1:8786';

function configFile(text: string): string {
  const path = join(temporaryDirectory(), 'jobqueue.yaml');
  writeFileSync(path, text);
  return path;
}

describe('1. the job id is taken wherever the submit output states it', () => {
  test.each([
    ['sbatch: Submitted batch job 654321\n', '654321'],
    ['sbatch: info: 2 GPUs per node requested\nSubmitted batch job 99\n', '99'],
    ['sbatch: note: your partition is busy\n17;localcluster\n', '17'],
  ])('SLURM: %j → %s', (stdout, id) => {
    expect(parseJobId(slurm, stdout)).toBe(id);
  });

  test('Grid Engine and PBS: a wrapper line before the id does not hide it', () => {
    expect(parseJobId(sge, 'site-qsub: using project default\n4711\n')).toBe('4711');
    expect(parseJobId(pbs, 'qsub: waiting for job to be accepted\n1234.pbsserver\n')).toBe('1234.pbsserver');
  });
});

describe('2. a cluster with no batch system says which class lacks what', () => {
  test('new JobQueueCluster({ cores, memory }) names the options given in the adapter’s place and the calls that work', () => {
    const attempt = () => new JobQueueCluster({ cores: 8, memory: '16 GB' } as never);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow('new JobQueueCluster(…) has no batch system: it needs a batch-system adapter');
    expect(attempt).toThrow('an object without submitCommand (["cores","memory"]), perhaps the job options');
    expect(attempt).toThrow("new JobQueueCluster(slurm, { cores: 8, memory: '16 GB' })");
  });

  test('a subclass that passes no adapter is named', () => {
    class SiteCluster extends JobQueueCluster {
      constructor() {
        super(undefined as never, BASE);
      }
    }
    expect(() => new SiteCluster()).toThrow('new SiteCluster(…) has no batch system: it needs a batch-system adapter (such as `slurm` from cluster-adapters) and got nothing.');
  });

  test('clusterClass without an adapter fails at once', () => {
    expect(() => clusterClass(undefined as never)).toThrow('clusterClass(…) for JobQueueCluster has no batch system');
  });

  test('the fix works: the adapter first, then the options', async () => {
    const directory = temporaryDirectory();
    const cluster = new JobQueueCluster(local, { ...BASE, logDirectory: join(directory, 'logs'), dashboardAddress: false, security: false, host: '127.0.0.1' }, { config: EMPTY_CONFIG, env: {}, cwd: directory });
    try {
      await cluster.ready;
      expect(cluster.name).toBe('LocalJobCluster');
    } finally {
      await cluster.close();
    }
  });
});

describe('3 and 4. scheduler-port and scheduler-options in the config file, schedulerOptions in the constructor', () => {
  test('scheduler-port, interface and host are accepted in a section and resolved', () => {
    const path = configFile("sge:\n  scheduler-port: 8786\n  interface: ib0\n  host: 10.1.2.3\n");
    const job = resolveJobOptions(sge, BASE, { config: loadFlotillaConfig({ path, systems }), env: {}, systems });
    expect([job.schedulerPort, job.schedulerInterface, job.schedulerHost]).toEqual([8786, 'ib0', '10.1.2.3']);
    expect(job.sources.schedulerPort).toBe('config');
  });

  test('a bad scheduler-port names the file and the range', () => {
    const path = configFile('slurm:\n  scheduler-port: 70000\n');
    expect(() => loadFlotillaConfig({ path, systems })).toThrow(
      `schedulerPort (from slurm.scheduler-port in ${path}) must be a whole number from 0 to 65535 (0: any free port), got number 70000.`,
    );
  });

  test("schedulerOptions={'dashboard_address': ':0'} translates one to one, and each entry wins over the flat option", () => {
    const job = resolveIsolated(sge, {
      ...BASE,
      schedulerPort: 1234,
      interface: 'eth0',
      schedulerOptions: { dashboardAddress: ':0', port: 8786, interface: 'ib0', host: 'login1' },
    });
    expect(job.schedulerDashboardAddress).toBe(':0');
    expect([job.schedulerPort, job.schedulerInterface, job.schedulerHost]).toEqual([8786, 'ib0', 'login1']);
    expect(job.workerInterface).toBe('eth0'); // schedulerOptions are the scheduler's only
  });

  test('scheduler-options from the config file, in kebab-case; the constructor’s object replaces it as a whole', () => {
    const path = configFile("sge:\n  scheduler-options:\n    dashboard-address: ':0'\n    port: 8786\n");
    const config = loadFlotillaConfig({ path, systems });
    const fromFile = resolveJobOptions(sge, BASE, { config, env: {}, systems });
    expect([fromFile.schedulerDashboardAddress, fromFile.schedulerPort]).toEqual([':0', 8786]);
    const replaced = resolveJobOptions(sge, { ...BASE, schedulerOptions: { host: '10.0.0.9' } }, { config, env: {}, systems });
    expect([replaced.schedulerDashboardAddress, replaced.schedulerPort, replaced.schedulerHost]).toEqual([undefined, 0, '10.0.0.9']);
  });

  test('an unknown scheduler option is named with the valid ones', () => {
    expect(() => resolveIsolated(sge, { ...BASE, schedulerOptions: { dashboard_address: ':0' } })).toThrow(
      'schedulerOptions.dashboard_address (from new SGECluster(…)): unknown scheduler option. Did you mean `dashboardAddress`? Valid: dashboardAddress, port, interface, host.',
    );
    const path = configFile('sge:\n  scheduler-options: { dashboard: 1 }\n');
    expect(() => loadFlotillaConfig({ path, systems })).toThrow('Valid: dashboard-address, port, interface, host.');
  });

  test('the resqpy call: SGECluster(…, schedulerOptions: { dashboardAddress: ":0" }) starts its page on a free port', async () => {
    const directory = temporaryDirectory();
    const cluster = new SGECluster(
      { ...BASE, logDirectory: join(directory, 'logs'), host: '127.0.0.1', security: false, schedulerOptions: { dashboardAddress: '127.0.0.1:0', port: 0 } },
      { config: EMPTY_CONFIG, env: {}, cwd: directory },
    );
    try {
      await cluster.ready;
      expect(cluster.dashboardLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expect(cluster.dashboardLink).not.toContain(':8787/');
    } finally {
      await cluster.close();
    }
  });
});

describe('5. named config sections (configName)', () => {
  const text = [
    'slurm:',
    '  cores: 8',
    '  memory: 16 GB',
    'gpu-nodes:',
    '  batch-system: slurm',
    '  cores: 4',
    '  memory: 64 GB',
    '  job-extra-directives: [--gres=gpu:1]',
    'big-memory:',
    '  batch-system: sge',
    '  resource-spec: h_vmem=200G',
  ].join('\n');

  test('the default section is the system’s name; configName reads another section of the same system', () => {
    const config = loadFlotillaConfig({ path: configFile(text), systems });
    const plain = resolveJobOptions(slurm, {}, { config, env: {}, systems });
    expect([plain.cores, plain.configSection]).toEqual([8, 'slurm']);
    const gpu = resolveJobOptions(slurm, { configName: 'gpu-nodes' }, { config, env: {}, systems });
    expect([gpu.cores, gpu.memoryBytes, gpu.jobExtraDirectives, gpu.configSection]).toEqual([4, 64e9, ['--gres=gpu:1'], 'gpu-nodes']);
    expect(gpu.sources.cores).toBe('config');
  });

  test('a section of another system, a missing section, and a section without batch-system are refused with the fix', () => {
    const path = configFile(text);
    const config = loadFlotillaConfig({ path, systems });
    expect(() => resolveJobOptions(slurm, { configName: 'big-memory' }, { config, env: {}, systems })).toThrow(
      `configName "big-memory" names a section of ${path} for sge jobs, not slurm jobs.`,
    );
    expect(() => resolveJobOptions(slurm, { configName: 'gpu-node' }, { config, env: {}, systems })).toThrow(
      `configName "gpu-node" names no section of ${path}. Did you mean \`gpu-nodes\`? Sections there: slurm, gpu-nodes, big-memory.`,
    );
    const loose = configFile('gpu-nodes:\n  cores: 4\n');
    expect(() => loadFlotillaConfig({ path: loose, systems })).toThrow('e.g. `gpu-nodes:` with `batch-system: slurm`.');
    const wrong = configFile('gpu-nodes:\n  batch-system: slrum\n');
    expect(() => loadFlotillaConfig({ path: wrong, systems })).toThrow('has batch-system: "slrum", which is not a batch system. Did you mean `slurm`?');
  });

  test("a named section's options are checked against its system", () => {
    expect(() => loadFlotillaConfig({ path: configFile('gpu:\n  batch-system: sge\n  job-cpu: 2\n'), systems })).toThrow(
      'In the `gpu` section of',
    );
  });
});

describe('6. workerCommand: workers run through a wrapper', () => {
  test('a list is quoted word by word before the worker command; a string is written as shell text', () => {
    const wrapped = resolveIsolated(slurm, { ...BASE, workerCommand: ['apptainer', 'exec', '--bind', '/scratch', 'my image.sif'], nodeExecutable: 'node' });
    expect(buildWorkerCommand(slurm, wrapped, { schedulerAddress: ADDRESS })).toMatch(/^apptainer exec --bind \/scratch 'my image.sif' node \S+worker\.js tcp:/);
    const shell = resolveIsolated(slurm, { ...BASE, workerCommand: 'module load node/20 && srun --cpu-bind=none' });
    expect(buildWorkerCommand(slurm, shell, { schedulerAddress: ADDRESS })).toMatch(/^module load node\/20 && srun --cpu-bind=none \/opt\/node\/bin\/node /);
  });

  test('from the environment a list is a YAML flow list; an empty list is refused', () => {
    const job = resolveJobOptions(slurm, BASE, { config: EMPTY_CONFIG, env: { FLOTILLA_JOBQUEUE__SLURM__WORKER_COMMAND: '[apptainer, exec, img.sif]' }, systems });
    expect(job.workerCommand).toEqual(['apptainer', 'exec', 'img.sif']);
    expect(() => resolveIsolated(slurm, { ...BASE, workerCommand: [] })).toThrow("workerCommand (from new SLURMCluster(…)) must be shell text such as 'srun --cpu-bind=none'");
  });
});

describe('7. separate scheduler and worker interfaces', () => {
  test('interface is the default of both; schedulerInterface and workerInterface each win on their side', () => {
    const both = resolveIsolated(slurm, { ...BASE, interface: 'ib0' });
    expect([both.schedulerInterface, both.workerInterface]).toEqual(['ib0', 'ib0']);
    const split = resolveIsolated(slurm, { ...BASE, interface: 'ib0', schedulerInterface: 'eth1', workerInterface: 'ib1' });
    expect([split.schedulerInterface, split.workerInterface]).toEqual(['eth1', 'ib1']);
    expect(buildWorkerCommand(slurm, split, { schedulerAddress: ADDRESS })).toContain(' --job-id "$SLURM_JOB_ID" --interface ib1');
    const none = resolveIsolated(slurm, BASE);
    expect(buildWorkerCommand(slurm, none, { schedulerAddress: ADDRESS })).not.toContain('--interface');
  });
});

describe('8. the restarter limit goes into the worker command when set', () => {
  test('workerRestarts: 5 → --restarts 5; unset leaves the worker CLI default', () => {
    const set = resolveIsolated(slurm, { ...BASE, workerRestarts: 5 });
    expect(buildWorkerCommand(slurm, set, { schedulerAddress: ADDRESS })).toContain(' --restarts 5');
    expect(buildWorkerCommand(slurm, resolveIsolated(slurm, BASE), { schedulerAddress: ADDRESS })).not.toContain('--restarts');
    expect(() => resolveIsolated(slurm, { ...BASE, workerRestarts: -1 })).toThrow('workerRestarts (from new SLURMCluster(…)) must be a whole number ≥ 0, got number -1.');
  });
});

describe('9. HTCondor refuses what it cannot honour', () => {
  test('a queue would be lost: refused at construction, with what to use instead', () => {
    expect(() => resolveIsolated(htcondor, { ...BASE, queue: 'debug' })).toThrow(
      'HTCondor has no queues, so queue "debug" would be lost. Remove it; to choose machines or an accounting group, use jobExtraDirectives',
    );
    expect(resolveIsolated(htcondor, BASE).queue).toBeUndefined();
  });
});
