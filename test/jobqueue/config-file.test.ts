import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../src/errors/index.js';
import {
  configFileLocation,
  jobqueueConfigSection,
  loadFlotillaConfig,
  parseFlotillaConfig,
} from '../../src/jobqueue/index.js';
import { BUILT_IN_SYSTEMS as systems } from '../../cluster-adapters/index.js';
import { temporaryDirectory } from './helpers.js';

function configFile(text: string): string {
  const path = join(temporaryDirectory(), 'jobqueue.yaml');
  writeFileSync(path, text);
  return path;
}

describe('finding the file', () => {
  test('FLOTILLA_CONFIG names the file; otherwise ~/.config/flotilla/jobqueue.yaml', () => {
    expect(configFileLocation({ FLOTILLA_CONFIG: '/etc/site.yaml', HOME: '/home/u' })).toEqual({
      path: '/etc/site.yaml',
      explicit: true,
    });
    expect(configFileLocation({ HOME: '/home/u' })).toEqual({
      path: '/home/u/.config/flotilla/jobqueue.yaml',
      explicit: false,
    });
  });

  test('a missing default file is an empty config', () => {
    const home = temporaryDirectory();
    expect(loadFlotillaConfig({ env: { HOME: home }, systems })).toEqual({ path: null, jobqueue: {} });
  });

  test('a missing file named by FLOTILLA_CONFIG is an error naming it', () => {
    const missing = join(temporaryDirectory(), 'nope.yaml');
    const attempt = () => loadFlotillaConfig({ env: { FLOTILLA_CONFIG: missing }, systems });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(`Cannot read the flotilla config file ${missing} (named by FLOTILLA_CONFIG)`);
  });

  test('an empty file is an empty config', () => {
    const path = configFile('# nothing yet\n');
    expect(loadFlotillaConfig({ env: { FLOTILLA_CONFIG: path }, systems })).toEqual({ path, jobqueue: {} });
  });
});

describe('contents', () => {
  test('sections hold kebab-case options, returned in camelCase and checked', () => {
    const path = configFile(
      [
        'mode: threads',
        'slurm:',
        '  cores: 8',
        '  memory: 16 GB',
        "  walltime: '01:00:00'",
        '  job-name: 2024',
        '  job-extra-directives: [--exclusive]',
        '  job-script-prologue: module load nodejs',
        '  log-directory: null',
        '  job-cpu: 4',
        'sge:',
        '  resource-spec: h_vmem=6G',
        'pbs:',
      ].join('\n'),
    );
    const config = loadFlotillaConfig({ env: { FLOTILLA_CONFIG: path }, systems });
    expect(config).toEqual({
      path,
      mode: 'threads',
      jobqueue: {
        slurm: {
          cores: 8,
          memory: '16 GB',
          walltime: '01:00:00',
          jobName: '2024',
          jobExtraDirectives: ['--exclusive'],
          jobScriptPrologue: ['module load nodejs'],
          jobCpu: 4,
        },
        sge: { resourceSpec: 'h_vmem=6G' },
      },
    });
    expect(jobqueueConfigSection(config, 'sge')).toEqual({ resourceSpec: 'h_vmem=6G' });
    expect(jobqueueConfigSection(config, 'lsf')).toEqual({});
  });

  test('an unknown top-level key names it and the file, and lists the valid keys', () => {
    const path = configFile('slrum:\n  cores: 2\n');
    const attempt = () => loadFlotillaConfig({ path, systems });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(
      `Unknown key \`slrum\` at the top level of ${path}. Did you mean \`slurm\`? Valid keys: mode, profile, slurm, sge, pbs, lsf, htcondor, oar, moab, local.`,
    );
  });

  test('an unknown option names it, its section and the file, and lists the valid options in kebab-case', () => {
    const path = configFile('slurm:\n  walltim: 01:00:00\n');
    const attempt = () => loadFlotillaConfig({ path, systems });
    expect(attempt).toThrow(`In the \`slurm\` section of ${path}: unknown option \`walltim\`. Did you mean \`walltime\`?`);
    expect(attempt).toThrow(/Valid slurm options: cores, memory, processes, job-name, .*job-cpu, job-mem\./);
  });

  test('camelCase keys are unknown, with the kebab-case spelling suggested', () => {
    expect(() => loadFlotillaConfig({ path: configFile('slurm:\n  jobName: x\n'), systems })).toThrow(
      'unknown option `jobName`. Did you mean `job-name`?',
    );
  });

  test("another system's option says which system it belongs to", () => {
    expect(() => loadFlotillaConfig({ path: configFile('sge:\n  job-cpu: 2\n'), systems })).toThrow(
      '`job-cpu` is an option of slurm jobs, not of sge jobs',
    );
  });

  test.each([
    ['mode: fast\n', 'mode in PATH must be one of processes, threads, sync, got "fast"'],
    ['slurm:\n  cores: eight\n', 'cores (from slurm.cores in PATH) must be a positive whole number, got "eight"'],
    ['slurm: [1, 2]\n', 'The `slurm` section of PATH must be a mapping'],
    ['- a\n- b\n', 'PATH must be a mapping with the keys mode, profile, slurm, sge, pbs, lsf, htcondor, oar, moab, local; its top level is a list'],
    ['slurm:\n  cores: [\n', 'The flotilla config file PATH is not valid YAML'],
  ])('bad content %j is an error naming the file', (text, message) => {
    const path = configFile(text);
    expect(() => loadFlotillaConfig({ path, systems })).toThrow(message.replace('PATH', path));
  });

  test('parseFlotillaConfig checks text without a file', () => {
    expect(parseFlotillaConfig('local:\n  cores: 1\n', '/virtual.yaml', systems).jobqueue.local).toEqual({ cores: 1 });
  });
});
