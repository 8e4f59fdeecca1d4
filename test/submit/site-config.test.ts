import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/index.js';
import { defaultSiteConfigPath, EMPTY_SITE_CONFIG, loadSiteConfig, parseSiteConfig } from '../../src/submit/site-config.js';

const FULL = `
interactive:
  salloc:
    partition: debug
    time: "01:00:00"
    exclusive: true
    requeue: false
    comment: null
    p: gpu
  srun:
    cpu-bind: none
batch:
  sbatch:
    output: flotilla-%j.out
    mem: 4G
  prologue:
    - module load nodejs/20
    - source ~/venv/bin/activate
worker:
  srun: ["--cpu-bind=none", "--mpi", "none"]
  args:
    death-timeout: 60
    memory-limit: 8000000000
scheduler:
  args: {}
`;

function configError(text: string): ConfigurationError {
  try {
    parseSiteConfig(text, '/site/submit.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected parseSiteConfig to throw');
}

describe('parseSiteConfig', () => {
  it('renders option maps in file order and copies raw lists', () => {
    const config = parseSiteConfig(FULL, '/site/submit.yaml');
    expect(config).toEqual({
      source: '/site/submit.yaml',
      interactive: {
        salloc: {
          args: ['--partition=debug', '--time=01:00:00', '--exclusive', '-p', 'gpu'],
          groups: [['--partition=debug'], ['--time=01:00:00'], ['--exclusive'], ['-p', 'gpu']],
        },
        srun: { args: ['--cpu-bind=none'], groups: [['--cpu-bind=none']] },
      },
      batch: {
        sbatch: { args: ['--output=flotilla-%j.out', '--mem=4G'], groups: [['--output=flotilla-%j.out'], ['--mem=4G']] },
        prologue: ['module load nodejs/20', 'source ~/venv/bin/activate'],
      },
      worker: {
        srun: { args: ['--cpu-bind=none', '--mpi', 'none'], groups: [['--cpu-bind=none', '--mpi', 'none']] },
        args: { args: ['--death-timeout=60', '--memory-limit=8000000000'], groups: [['--death-timeout=60'], ['--memory-limit=8000000000']] },
      },
      scheduler: { args: { args: [], groups: [] } },
    });
  });

  it('keeps the file order, not alphabetical order', () => {
    const config = parseSiteConfig('worker:\n  args:\n    zeta: 1\n    alpha: 2\n    mid: 3\n', 'f.yaml');
    expect(config.worker.args.args).toEqual(['--zeta=1', '--alpha=2', '--mid=3']);
  });

  it('gives the empty configuration for an empty file or empty sections', () => {
    expect(parseSiteConfig('', 'f.yaml')).toEqual({ ...EMPTY_SITE_CONFIG, source: 'f.yaml' });
    expect(parseSiteConfig('# only a comment\n', 'f.yaml')).toEqual({ ...EMPTY_SITE_CONFIG, source: 'f.yaml' });
    expect(parseSiteConfig('interactive:\nbatch:\n  sbatch:\n', 'f.yaml')).toEqual({ ...EMPTY_SITE_CONFIG, source: 'f.yaml' });
  });

  it('names an unknown top-level key, the file, the line and the valid keys', () => {
    const error = configError('batch:\n  sbatch: {}\nworkers:\n  args: {}\n');
    expect(error.message).toBe(
      'Invalid site configuration /site/submit.yaml (line 3): unknown key "workers"; the valid keys at the top level are: interactive, batch, worker, scheduler.',
    );
  });

  it('names an unknown nested key with its full path and the valid keys of its section', () => {
    const error = configError('interactive:\n  sallc:\n    partition: debug\n');
    expect(error.message).toBe(
      'Invalid site configuration /site/submit.yaml (line 2): unknown key "interactive.sallc"; the valid keys under "interactive" are: salloc, srun.',
    );
  });

  it('refuses options that flotilla sets itself, saying what to use instead', () => {
    expect(configError('interactive:\n  salloc:\n    nodes: 4\n').message).toBe(
      'Invalid site configuration /site/submit.yaml (line 3): option "nodes" in "interactive.salloc" is set by flotilla: set the number of nodes with `flotilla submit -N <nodes>`.',
    );
    expect(configError('worker:\n  args:\n    nthreads: 4\n').message).toContain('use `--nthreads <T>`');
    expect(configError('worker:\n  srun: ["-w", "node1"]\n').message).toBe(
      'Invalid site configuration /site/submit.yaml (line 2): argument "-w" in "worker.srun" is set by flotilla: flotilla places one worker step on each allocated node itself.',
    );
    expect(configError('batch:\n  sbatch: ["--nodes=3"]\n').message).toContain('argument "--nodes=3" in "batch.sbatch" is set by flotilla');
    expect(configError('scheduler:\n  args:\n    port: 8786\n').message).toContain('option "port" in "scheduler.args" is set by flotilla');
  });

  it('does not mistake longer options for reserved short ones', () => {
    const config = parseSiteConfig('worker:\n  srun: ["--nice=10", "--network=x"]\n', 'f.yaml');
    expect(config.worker.srun.args).toEqual(['--nice=10', '--network=x']);
  });

  it('refuses values of the wrong shape', () => {
    expect(configError('interactive: [a, b]\n').message).toBe(
      'Invalid site configuration /site/submit.yaml (line 1): expected a map under "interactive" with the keys salloc, srun, got a list.',
    );
    expect(configError('batch:\n  sbatch: "-p debug"\n').message).toBe(
      'Invalid site configuration /site/submit.yaml (line 2): "batch.sbatch" must be a map of option: value, or a list of raw arguments; got string "-p debug".',
    );
    expect(configError('batch:\n  sbatch:\n    gres: [gpu, 2]\n').message).toContain('"batch.sbatch.gres" must be a string, a number, true, false or null; got a list');
    expect(configError('batch:\n  prologue: module load x\n').message).toContain('"batch.prologue" must be a list of shell lines');
    expect(configError('worker:\n  srun: [true]\n').message).toContain('"worker.srun[0]" must be a string or a number');
    expect(configError('batch:\n  sbatch:\n    comment: "a\\nb"\n').message).toContain('contains a line break');
  });

  it('refuses option names written with dashes or starting with a digit', () => {
    expect(configError('batch:\n  sbatch:\n    --partition: debug\n').message).toContain(
      'option "--partition" in "batch.sbatch" is not a valid option name: write names without dashes',
    );
    expect(configError('batch:\n  sbatch:\n    10: x\n').message).toContain('option "10" in "batch.sbatch" is not a valid option name');
  });

  it('reports YAML syntax errors and duplicate keys with the file name', () => {
    expect(configError('batch:\n  sbatch: [unclosed\n').message).toMatch(/^The site configuration \/site\/submit\.yaml is not valid YAML: /);
    expect(configError('batch:\n  sbatch: {}\nbatch:\n  sbatch: {}\n').message).toMatch(/Map keys must be unique/);
  });
});

describe('loadSiteConfig', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'flotilla-site-config-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('uses ~/.config/flotilla/submit.yaml when it exists', async () => {
    expect(defaultSiteConfigPath(home)).toBe(join(home, '.config', 'flotilla', 'submit.yaml'));
    mkdirSync(join(home, '.config', 'flotilla'), { recursive: true });
    writeFileSync(defaultSiteConfigPath(home), 'batch:\n  sbatch:\n    partition: long\n');
    const config = await loadSiteConfig({ homeDir: home });
    expect(config.source).toBe(defaultSiteConfigPath(home));
    expect(config.batch.sbatch.args).toEqual(['--partition=long']);
  });

  it('gives the empty configuration when the default file does not exist', async () => {
    await expect(loadSiteConfig({ homeDir: home })).resolves.toBe(EMPTY_SITE_CONFIG);
  });

  it('refuses a --config file that does not exist', async () => {
    const missing = join(home, 'nope.yaml');
    const attempt = loadSiteConfig({ path: missing, homeDir: home });
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    await expect(attempt).rejects.toThrow(`The site configuration file ${missing} does not exist.`);
  });

  it('names the --config file in content errors', async () => {
    const file = join(home, 'site.yaml');
    writeFileSync(file, 'scheduler:\n  argz: {}\n');
    await expect(loadSiteConfig({ path: file, homeDir: home })).rejects.toThrow(
      `Invalid site configuration ${file} (line 2): unknown key "scheduler.argz"; the valid keys under "scheduler" are: args.`,
    );
  });
});
