import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { CapturedRun } from '../../src/util/child-process.js';
import { AllocationError } from '../../src/submit/errors.js';
import { listAllocationHosts, parseHostnames, shortHostname } from '../../src/submit/slurm-hosts.js';

function scontrol(stdout: string, code = 0, stderr = ''): { run: (argv: readonly string[]) => Promise<CapturedRun>; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (argv) => {
      calls.push([...argv]);
      return { status: { code, signal: null }, stdout, stderr };
    },
  };
}

describe('listAllocationHosts', () => {
  it('expands SLURM_JOB_NODELIST with scontrol and finds this node from SLURMD_NODENAME', async () => {
    const fake = scontrol('node01\nnode02\n\nnode03\n');
    const hosts = await listAllocationHosts({ SLURM_JOB_NODELIST: 'node[01-03]', SLURMD_NODENAME: 'node02' }, { log: () => undefined, run: fake.run });
    expect(hosts).toEqual({ all: ['node01', 'node02', 'node03'], own: 'node02' });
    expect(fake.calls).toEqual([['scontrol', 'show', 'hostnames', 'node[01-03]']]);
  });

  it('refuses to run outside an allocation', async () => {
    const attempt = listAllocationHosts({}, { log: () => undefined, run: scontrol('').run });
    await expect(attempt).rejects.toBeInstanceOf(AllocationError);
    await expect(attempt).rejects.toThrow(/^SLURM_JOB_NODELIST is not set, so this is not running inside a SLURM allocation/);
  });

  it('reports a failing scontrol with its stderr', async () => {
    const attempt = listAllocationHosts({ SLURM_JOB_NODELIST: 'x[' }, { log: () => undefined, run: scontrol('', 1, 'scontrol: error: Invalid hostlist: x[\n').run });
    await expect(attempt).rejects.toThrow(
      '`scontrol show hostnames x[` exited with code 1 instead of listing the allocation\'s hosts. stderr: scontrol: error: Invalid hostlist: x[. Check that scontrol is on PATH on this node.',
    );
  });

  it('runs the real scontrol (or reports that it is missing) when no runner is given', async () => {
    const haveScontrol = spawnSync('scontrol', ['--version']).error === undefined;
    const lines: string[] = [];
    const result = listAllocationHosts({ SLURM_JOB_NODELIST: 'vm', SLURMD_NODENAME: 'vm', PATH: process.env['PATH'] }, { log: (line) => lines.push(line) });
    if (haveScontrol) {
      await expect(result).resolves.toEqual({ all: ['vm'], own: 'vm' });
    } else {
      await expect(result).rejects.toThrow('`scontrol show hostnames vm` could not start (ENOENT) instead of listing');
    }
    expect(lines).toEqual(['scontrol show hostnames vm']);
  });
});

describe('host name helpers', () => {
  it('parse scontrol output and shorten fully qualified names', () => {
    expect(parseHostnames('  a \n\nb\n')).toEqual(['a', 'b']);
    expect(shortHostname('node1.cluster.example.org')).toBe('node1');
    expect(shortHostname('vm')).toBe('vm');
  });
});
