import { describe, expect, it } from 'vitest';
import { runExample } from '../support/run-example.js';
import { processesMentioning } from '../jobqueue-cluster/helpers.js';

describe('examples/notebook (CommonJS, as a tslab cell compiles)', () => {
  it('prints the summaries, progress lines and the second-cluster notice, and leaves no worker', async () => {
    const { code, stdout, stderr } = await runExample('examples/notebook.cjs');
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/^LocalCluster \{\n  scheduler: 'ipc:\/\/\/.+',\n  status: 'running',\n  workers: 2,\n  threads: 2,/);
    expect(stdout).toMatch(/\nClient \{\n  scheduler: 'ipc:\/\/\/.+',\n  status: 'connected',\n  workers: 2,/);
    expect(stdout).toMatch(/\nFuture \{ key: 'anonymous-[0-9a-f]+', status: 'finished' \}\n/);
    expect(stdout).toContain('sum of squares: 20540');
    expect(stdout).toContain('open clusters: 1 - the first is closed');
    expect(stderr).toMatch(/^progress: 0\/40 done \(0%\), [\d.]+ s elapsed$/m);
    expect(stderr).toMatch(/^progress: 40\/40 done \(100%\), in [\d.]+ s$/m);
    expect(stderr).toMatch(/LocalCluster #2 is starting while another LocalCluster is still open in this process:\n {2}LocalCluster #1: running/);
    // Worker processes carry their scheduler's address on their command line: none is left.
    const schedulers = [...stdout.matchAll(/scheduler: '(ipc:\/\/\/[^']+)'/g)].map((m) => m[1]!);
    expect(schedulers.length).toBeGreaterThan(0);
    for (const address of new Set(schedulers)) expect(processesMentioning(address)).toEqual([]);
  }, 60_000);
});
