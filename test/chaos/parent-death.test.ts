/**
 * Chaos: the user's program ends, well or badly, while a task runs. Whether it closes its cluster,
 * is killed with SIGKILL, or is interrupted with SIGINT (Ctrl-C), no process it started may be left:
 * not the workers of a LocalCluster, not the jobs (and their workers) of a job-queue cluster, on the
 * local adapter and, when the testbed is up, in real SLURM jobs.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, waitUntil } from '../support/with-cluster.js';
import { skipUnless, slurmStatus } from '../hpc/testbed.js';
import { processesMentioning } from '../jobqueue-cluster/helpers.js';
import { report } from './support.js';

const PARENT = fileURLToPath(new URL('./fixtures/parent.mjs', import.meta.url));

/** Every live descendant of `root` (children, their children, …), read from /proc. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const match = /^\d+ \(.*\) (\S) (\d+)/s.exec(stat);
      if (match === null || match[1] === 'Z') continue;
      const ppid = Number(match[2]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

type Ending = 'close' | 'SIGKILL' | 'SIGINT';

/** Those of `jobIds` that squeue still lists as pending, running or ending. */
function liveJobs(jobIds: string[]): string[] {
  const listed = execFileSync('squeue', ['-h', '-j', jobIds.join(','), '-o', '%i %T'], { encoding: 'utf8' });
  return listed.split('\n').filter((line) => /^\d+ (PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED)$/.test(line.trim()));
}

/** Runs the parent fixture with a cluster of `kind`, ends it by `ending`, and returns how long its processes took to go. */
async function endParent(kind: 'local' | 'local-job' | 'slurm', ending: Ending): Promise<{ processes: number; jobs: number; goneMs: number }> {
  const folder = mkdtempSync(join(tmpdir(), 'flotilla-chaos-parent-'));
  const parent = spawn(process.execPath, [PARENT, kind, folder], { stdio: ['pipe', 'pipe', 'pipe'], cwd: folder });
  let output = '';
  parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  parent.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(parent, 'exit');
  let started: number[] = [];
  try {
    await waitUntil(
      () => {
        if (parent.exitCode !== null) throw new Error(`the parent exited early: ${output}`);
        return output.includes('READY ');
      },
      'the parent is ready',
      60_000,
    );
    const address = /READY (\{.*\})/.exec(output)?.[1] as string;
    const { address: schedulerAddress, jobs } = JSON.parse(address) as { address: string; jobs: string[] };
    // Its children, and processes started for it elsewhere (batch jobs are not children): they name its scheduler.
    // On the local adapter a job id is the pid of the job's shell (its own session): it must end too.
    const jobShells = kind === 'local-job' ? jobs.map(Number) : [];
    started = [...new Set([...descendants(parent.pid as number), ...processesMentioning(schedulerAddress), ...jobShells])];
    expect(started.length, `processes started by the parent (${output})`).toBeGreaterThanOrEqual(2);
    const endedAt = performance.now();
    if (ending === 'close') parent.stdin.end('close\n'); // and EOF: a program that is done, nothing holding it open but the library
    else parent.kill(ending);
    const [code, signal] = (await exited) as [number | null, string | null];
    if (ending === 'close') expect({ code, signal, output }).toMatchObject({ code: 0, signal: null });
    else expect(signal).toBe(ending);
    await waitUntil(() => started.every((pid) => !isAlive(pid)), `every process the parent started has ended (left: ${started.filter(isAlive).join(', ')})`, 20_000);
    if (kind === 'slurm') {
      expect(jobs).toHaveLength(2);
      await waitUntil(() => liveJobs(jobs).length === 0, `no job of the parent is left in squeue (left: ${liveJobs(jobs).join(', ')})`, 30_000);
    }
    return { processes: started.length, jobs: jobs.length, goneMs: Math.round(performance.now() - endedAt) };
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    for (const pid of started.filter(isAlive)) process.kill(pid, 'SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  }
}

describe('chaos: no process or job left when the parent ends', () => {
  for (const ending of ['close', 'SIGKILL', 'SIGINT'] as const) {
    it(`LocalCluster, parent ends by ${ending}`, { timeout: 60_000 }, async () => {
      const { processes, goneMs } = await endParent('local', ending);
      report(`parent-${ending}-local-cluster`, { processes, left: 0, goneMs });
    });
  }

  for (const ending of ['close', 'SIGKILL', 'SIGINT'] as const) {
    it(`job-queue cluster (local adapter, death timeout 3 s), parent ends by ${ending}`, { timeout: 60_000 }, async () => {
      const { processes, goneMs } = await endParent('local-job', ending);
      report(`parent-${ending}-job-queue`, { processes, left: 0, goneMs });
    });
  }

  describe.skipIf(skipUnless(slurmStatus()))('on the SLURM testbed', () => {
    it('SLURMCluster (2 jobs, death timeout 3 s), parent killed with SIGKILL: no worker and no job left', { timeout: 90_000 }, async () => {
      const { processes, jobs, goneMs } = await endParent('slurm', 'SIGKILL');
      report('parent-SIGKILL-slurm', { processes, jobs, left: 0, goneMs });
    });
  });
});
