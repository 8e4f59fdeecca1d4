/**
 * Worker processes get the worker environment (MALLOC_MMAP_THRESHOLD_, read by glibc only at process
 * start) when flotilla starts them: job scripts' workers (through the restarter) as LocalCluster's do. Checked in the environment each worker process was started with (/proc/<pid>/environ).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, LocalJobCluster, SchedulerServer } from '../../src/index.js';
import { isolatedContext, makeTemporaryDirectory } from '../jobqueue-cluster/helpers.js';
import { WORKER_ENVIRONMENT } from '../../src/util/worker-environment.js';

const WORKER_CLI = fileURLToPath(new URL('../../dist/src/cli/worker.js', import.meta.url));
const VARIABLE = 'MALLOC_MMAP_THRESHOLD_';
const EXPECTED = WORKER_ENVIRONMENT[VARIABLE];

/** The value of VARIABLE in the environment process `pid` was started with. */
function startValue(pid: number): string | undefined {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return entries.find((entry) => entry.startsWith(`${VARIABLE}=`))?.slice(VARIABLE.length + 1);
}

/** Each worker's process id, by worker name. */
const workerPids = (client: Client) => client.run(() => process.pid) as Promise<Record<string, number>>;

const { [VARIABLE]: _ignored, ...withoutIt } = process.env;
const directory = makeTemporaryDirectory('flotilla-worker-env-');
afterAll(() => directory.remove());

describe('the worker environment', () => {
  it('flotilla-worker with a restarter (what job scripts run) starts its worker with it, a value of the user kept; a lone worker is the command itself', async () => {
    const scheduler = await SchedulerServer.start({ host: '127.0.0.1', port: 0 });
    const client = await Client.connect(scheduler.address);
    const started = [
      spawn(process.execPath, [WORKER_CLI, scheduler.address, '--name', 'kept', '--restarts', '1'], { stdio: 'inherit', env: withoutIt }),
      spawn(process.execPath, [WORKER_CLI, scheduler.address, '--name', 'own', '--restarts', '1'], { stdio: 'inherit', env: { ...withoutIt, [VARIABLE]: '65536' } }),
      spawn(process.execPath, [WORKER_CLI, scheduler.address, '--name', 'lone'], { stdio: 'inherit', env: withoutIt }),
    ];
    try {
      await client.waitForWorkers(3, { timeoutMs: 30_000 });
      const pids = await workerPids(client);
      expect(startValue(pids.kept!)).toBe(EXPECTED);
      expect(pids.kept).not.toBe(started[0]!.pid); // the restarter's child, started with the variable
      expect(startValue(pids.own!)).toBe('65536');
      // A lone worker started by hand is never re-started as a child of itself: a signal sent to the
      // command (a SIGKILL in a test, the batch system's kill) must reach the worker.
      expect(pids.lone).toBe(started[2]!.pid);
    } finally {
      await client.close();
      await scheduler.close();
      await Promise.all(started.map((child) => (child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)))));
    }
    expect(started.map((child) => child.exitCode)).toEqual([0, 0, 0]);
  }, 60_000);

  it('a job script’s workers have it', async () => {
    const cluster = new LocalJobCluster(
      { cores: 1, memory: '512 MB', host: '127.0.0.1', logDirectory: join(directory.path, 'logs'), statusPollMs: 500 },
      { ...isolatedContext(directory.path), env: {} },
    );
    const previous = process.env[VARIABLE];
    delete process.env[VARIABLE]; // the job inherits this process's environment
    const client = await Client.connect(cluster);
    try {
      await cluster.scale(1);
      await client.waitForWorkers(1, { timeoutMs: 30_000 });
      const pids = Object.values(await workerPids(client));
      expect(pids).toHaveLength(1);
      expect(startValue(pids[0]!)).toBe(EXPECTED);
    } finally {
      if (previous !== undefined) process.env[VARIABLE] = previous;
      await client.close();
      await cluster.close();
    }
  }, 60_000);
});
