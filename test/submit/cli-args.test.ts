import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/index.js';
import {
  DEFAULT_TIMEOUT_SECONDS,
  parseDriverArgs,
  parseStartClusterArgs,
  parseSubmitArgs,
  SUBMIT_USAGE,
} from '../../src/submit/cli-args.js';

function failure(parse: () => unknown): ConfigurationError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected the parser to throw');
}

describe('parseSubmitArgs', () => {
  it('reads every option and keeps the command after -- untouched', () => {
    expect(
      parseSubmitArgs([
        '-N2',
        '--batch',
        '--config',
        'site.yaml',
        '--workers-per-node',
        '3',
        '--nthreads=8',
        '--timeout',
        '30.5',
        '--scheduler-host',
        'node01-ib',
        '--dry-run',
        '--',
        'node',
        '--inspect',
        'job.js',
        '--',
        '-N',
        '5',
      ]),
    ).toEqual({
      kind: 'run',
      options: {
        nodes: 2,
        batch: true,
        configPath: 'site.yaml',
        dryRun: true,
        workersPerNode: 3,
        nthreads: 8,
        timeoutSeconds: 30.5,
        schedulerHost: 'node01-ib',
        command: ['node', '--inspect', 'job.js', '--', '-N', '5'],
      },
    });
  });

  it('has defaults for everything but -N and the command', () => {
    expect(parseSubmitArgs(['--nodes', '1', '--', 'true'])).toEqual({
      kind: 'run',
      options: {
        nodes: 1,
        batch: false,
        configPath: undefined,
        dryRun: false,
        workersPerNode: 1,
        nthreads: undefined,
        timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
        schedulerHost: undefined,
        command: ['true'],
      },
    });
  });

  it('answers --help with the usage text', () => {
    expect(parseSubmitArgs(['--help'])).toEqual({ kind: 'help', text: SUBMIT_USAGE });
  });

  it('says when the -- before the command is missing, naming the first word of the command', () => {
    expect(failure(() => parseSubmitArgs(['-N', '2', 'node', 'job.js'])).message).toBe(
      'flotilla submit needs `--` between its own options and your command; got "node" before any `--`. ' +
        'Write it as `flotilla submit -N <nodes> [options] -- <command> [args...]`. Run `flotilla submit --help` for usage.',
    );
  });

  it('says when the command is missing', () => {
    expect(failure(() => parseSubmitArgs(['-N', '2', '--'])).message).toBe(
      'flotilla submit needs a command to run after `--`, e.g. `-- node job.js`; got nothing after `--` (arguments: ["-N","2","--"]). ' +
        'Run `flotilla submit --help` for usage.',
    );
    expect(failure(() => parseSubmitArgs(['-N', '2'])).message).toContain('got no `--` at all');
  });

  it('says when -N is missing', () => {
    expect(failure(() => parseSubmitArgs(['--', 'node', 'job.js'])).message).toBe(
      'flotilla submit needs the number of nodes to allocate: add -N <nodes>, e.g. `flotilla submit -N 2 -- node job.js`. ' +
        'Run `flotilla submit --help` for usage.',
    );
  });

  it('names the flag, what it expects and what it got for bad numbers', () => {
    expect(failure(() => parseSubmitArgs(['-N', 'two', '--', 'x'])).message).toBe(
      '-N/--nodes expects a number of nodes: a whole number of 1 or more; got "two".',
    );
    expect(failure(() => parseSubmitArgs(['-N', '0', '--', 'x'])).message).toBe(
      '-N/--nodes expects a number of nodes: a whole number of 1 or more; got "0".',
    );
    expect(failure(() => parseSubmitArgs(['-N', '1', '--nthreads', '2.5', '--', 'x'])).message).toBe(
      '--nthreads expects a number of threads: a whole number of 1 or more; got "2.5".',
    );
    expect(failure(() => parseSubmitArgs(['-N', '1', '--workers-per-node', '-1', '--', 'x'])).message).toContain('--workers-per-node');
    expect(failure(() => parseSubmitArgs(['-N', '1', '--timeout', '1m', '--', 'x'])).message).toBe(
      '--timeout expects a number of seconds greater than 0, e.g. 120 or 0.5; got "1m".',
    );
  });

  it('refuses unknown options and flags given values', () => {
    expect(failure(() => parseSubmitArgs(['-N', '1', '--partition', 'x', '--', 'y'])).message).toMatch(
      /^flotilla submit: Unknown option '--partition'.*Run `flotilla submit --help` for usage\.$/s,
    );
    expect(failure(() => parseSubmitArgs(['-N', '1', '--batch=yes', '--', 'y'])).message).toBe(
      "flotilla submit: Option '--batch' does not take an argument. Run `flotilla submit --help` for usage.",
    );
    expect(failure(() => parseSubmitArgs(['-N'])).message).toContain("Option '-N, --nodes <value>' argument missing");
  });

  it('refuses a scheduler host that is not a host name', () => {
    expect(failure(() => parseSubmitArgs(['-N', '1', '--scheduler-host', 'a b', '--', 'x'])).message).toBe(
      '--scheduler-host expects a host name or IP address, got "a b".',
    );
  });
});

describe('parseStartClusterArgs', () => {
  it('reads its options', () => {
    expect(parseStartClusterArgs(['--address-file', '/tmp/a', '--nthreads', '2'])).toEqual({
      kind: 'run',
      options: {
        addressFile: '/tmp/a',
        configPath: undefined,
        workersPerNode: 1,
        nthreads: 2,
        timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
        schedulerHost: undefined,
      },
    });
  });

  it('refuses positional arguments', () => {
    expect(failure(() => parseStartClusterArgs(['node', 'job.js'])).message).toBe(
      "flotilla start-cluster: Unexpected argument 'node'. This command does not take positional arguments. Run `flotilla start-cluster --help` for usage.",
    );
  });
});

describe('parseDriverArgs', () => {
  it('collects repeated pass-through arguments in order', () => {
    expect(
      parseDriverArgs(['--workers-per-node=1', '--timeout=5', '--worker-arg=--a=1', '--worker-arg=-b', '--scheduler-arg=--c', '--', 'x']),
    ).toEqual({
      workersPerNode: 1,
      nthreads: undefined,
      timeoutSeconds: 5,
      schedulerHost: undefined,
      schedulerArgs: ['--c'],
      workerSrunArgs: [],
      workerArgs: ['--a=1', '-b'],
      command: ['x'],
    });
  });
});
