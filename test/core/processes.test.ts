import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { distFile } from '../../src/util/package-paths.js';
import { isAlive, waitUntil } from '../support/with-cluster.js';

function lines(child: ChildProcess): { text: () => string; waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpExecArray> } {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    text: () => text,
    waitFor: async (pattern, timeoutMs = 15_000) => {
      let match: RegExpExecArray | null = null;
      await waitUntil(() => (match = pattern.exec(text)) !== null, `output matching ${pattern} (got: ${text.slice(-500)})`, timeoutMs);
      return match!;
    },
  };
}

describe('command-line programs and process life cycle', () => {
  it('flotilla-scheduler and flotilla-worker run tasks for a client, and stop on SIGTERM', async () => {
    // Authenticated, as by default: the key file is made on first use and named on stdout.
    const keys = join(mkdtempSync(join(tmpdir(), 'flotilla-cli-')), 'security.json');
    const scheduler = spawn(process.execPath, [distFile('src/cli/scheduler.js'), '--host', '127.0.0.1', '--port', '0', '--security-file', keys], { stdio: ['ignore', 'pipe', 'pipe'] });
    const schedulerOut = lines(scheduler);
    const [, address] = await schedulerOut.waitFor(/listening at (tcp:\/\/127\.0\.0\.1:\d+)/);
    await schedulerOut.waitFor(/flotilla security file (\S+)/);
    const worker = spawn(process.execPath, [distFile('src/cli/worker.js'), address!, '--nthreads', '2', '--name', 'cli-worker', '--memory-limit', '1 GB', '--death-timeout', '5', '--security-file', keys], { stdio: ['ignore', 'pipe', 'pipe'] });
    const client = await Client.connect(address!, { timeoutMs: 10_000, security: keys });
    try {
      await client.waitForWorkers(1, { timeoutMs: 15_000 });
      const info = await client.schedulerInfo();
      expect(info.workers[0]).toMatchObject({ name: 'cli-worker', nthreads: 2, memoryLimit: 1e9 });
      expect(await client.gather(client.map((x: number) => x * 2, [1, 2, 3]))).toEqual([2, 4, 6]);
    } finally {
      await client.close();
      worker.kill('SIGTERM');
      scheduler.kill('SIGTERM');
      await Promise.all([once(worker, 'exit'), once(scheduler, 'exit')]);
    }
    expect(worker.exitCode).toBe(0);
  });

  it('rejects bad command lines with a message naming the flag', async () => {
    const worker = spawn(process.execPath, [distFile('src/cli/worker.js'), 'tcp://127.0.0.1:1', '--nthreads', 'many'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lines(worker);
    const [code] = await once(worker, 'exit');
    expect(code).toBe(2);
    expect(out.text()).toContain('--nthreads expects a number >= 1, got "many"');
  });

  it('a worker exits by itself when its scheduler is gone for death-timeout seconds', async () => {
    const scheduler = spawn(process.execPath, [distFile('src/cli/scheduler.js'), '--port', '0', '--no-security'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [, address] = await lines(scheduler).waitFor(/listening at (tcp:\/\/\S+)/);
    const worker = spawn(process.execPath, [distFile('src/cli/worker.js'), address!, '--death-timeout', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const client = await Client.connect(address!, { timeoutMs: 10_000, security: false });
    await client.waitForWorkers(1, { timeoutMs: 15_000 });
    await client.close();
    // The scheduler vanishes without a word: only the death timeout can end the worker.
    scheduler.kill('SIGKILL');
    const killedAt = Date.now();
    const [code] = await once(worker, 'exit');
    const waited = Date.now() - killedAt;
    expect(code).toBe(0);
    expect(waited).toBeGreaterThanOrEqual(1_500);
    expect(waited).toBeLessThan(15_000);
  });

  it('LocalCluster workers exit when their parent process is killed', async () => {
    const script = `
      import { LocalCluster } from ${JSON.stringify(join(process.cwd(), 'dist/src/index.js'))};
      const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1 });
      await cluster.ready;
      console.log('PIDS ' + cluster.workerPids.join(','));
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lines(parent);
    const [, pidList] = await out.waitFor(/PIDS (\d+,\d+)/, 30_000);
    const pids = pidList!.split(',').map(Number);
    expect(pids.every(isAlive)).toBe(true);
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    await waitUntil(() => pids.every((pid) => !isAlive(pid)), 'both orphaned workers exited', 15_000);
  });
});

describe('the example runs in all three execution modes', () => {
  for (const mode of ['processes', 'threads', 'sync'] as const) {
    it(`examples/local-cluster in ${mode} mode`, async () => {
      const child = spawn(process.execPath, [distFile('examples/local-cluster.js')], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FLOTILLA_MODE: mode },
      });
      const out = lines(child);
      const [code] = await once(child, 'exit');
      expect(code, out.text()).toBe(0);
      expect(out.text()).toContain('progress: 64/64 chunks done');
      const pi = Number(/pi ≈ (\d\.\d+)/.exec(out.text())?.[1]);
      expect(Math.abs(pi - Math.PI)).toBeLessThan(0.002);
      expect(out.text()).toContain(mode === 'sync' ? 'sync://in-process' : 'ipc:///');
    }, 60_000);
  }
});
