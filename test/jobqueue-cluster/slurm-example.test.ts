import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distFile, packageRoot } from '../../src/util/package-paths.js';
import { skipUnless, slurmStatus } from '../hpc/testbed.js';

describe.skipIf(skipUnless(slurmStatus()))('examples/slurm-cluster on the SLURM testbed', () => {
  it('prints its job script, computes on two jobs, and leaves no job in squeue', async () => {
    const logs = mkdtempSync(join(packageRoot(), '.flotilla-example-'));
    const child = spawn(process.execPath, [distFile('examples/slurm-cluster.js')], {
      cwd: packageRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FLOTILLA_JOBQUEUE__SLURM__LOG_DIRECTORY: logs },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), 150_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    try {
      expect(code, output).toBe(0);
      expect(output).toContain('#SBATCH -J');
      expect(output).toMatch(/2 workers connected/);
      expect(output).toMatch(/sum of squares below 8000000 ≈ 1\.706666e\+20/);
      expect(output).toContain("adapt: 2-2 jobs, active true, checked; status polled again; the cluster's: true");
      expect(output).toContain('adapt stopped: active false, the cluster adapts: false');
      const jobIds = [...output.matchAll(/^job (\d+): /gm)].map((m) => m[1]!);
      expect(jobIds).toHaveLength(2);
      const squeue = spawn('squeue', ['-h', '-j', jobIds.join(','), '-o', '%i %T']);
      let listed = '';
      squeue.stdout.on('data', (c: Buffer) => (listed += c.toString()));
      await once(squeue, 'exit');
      expect(listed.split('\n').filter((line) => / (PENDING|RUNNING|CONFIGURING|COMPLETING)$/.test(line))).toEqual([]);
    } finally {
      rmSync(logs, { recursive: true, force: true });
    }
  }, 180_000);
});
