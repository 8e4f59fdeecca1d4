import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client, LocalCluster } from '../../src/index.js';

/** Everything written to stderr while `body` runs, synchronously. */
function stderrDuring<T>(body: () => T): { value: T; text: string } {
  let text = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    return { value: body(), text };
  } finally {
    spy.mockRestore();
  }
}

/** Runs the fix a notice suggests (the code between its backticks), with `LocalCluster` in scope as a user has it. */
async function runSuggestedFix(notice: string): Promise<void> {
  const code = /`(await [^`]+|for \([^`]+)`/.exec(notice)?.[1];
  expect(code, `no code to run in: ${notice}`).toBeDefined();
  const run = new Function('LocalCluster', `return (async () => { ${code!} })();`) as (c: typeof LocalCluster) => Promise<void>;
  await run(LocalCluster);
}

describe('building a LocalCluster while another is open in the same process', () => {
  const built: LocalCluster[] = [];
  afterEach(async () => {
    await Promise.all(built.splice(0).map((cluster) => cluster.close()));
  });

  it('says so at once, in the constructor, naming the open one; the close it suggests works', async () => {
    const first = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1 });
    built.push(first);
    await first.ready;
    expect(LocalCluster.running()).toEqual([first]);
    const { value: second, text } = stderrDuring(() => new LocalCluster({ nWorkers: 1, threadsPerWorker: 1 }));
    built.push(second);
    expect(text).toMatch(/WARN {2}local-cluster: LocalCluster #\d+ is starting while another LocalCluster is still open in this process:/);
    expect(text).toContain(`running, built at `);
    expect(text).toContain(`scheduler ${first.schedulerAddress}, 1 worker`);
    expect(text).toContain('LocalCluster.running()');
    expect(LocalCluster.running()).toEqual([first, second]);
    await second.ready;

    await runSuggestedFix(text);
    expect(first.status).toBe('closed');
    expect(first.workerPids).toEqual([]);
    expect(LocalCluster.running()).toEqual([second]);
    const client = await Client.connect(second);
    expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
    await client.close();
  });

  it('with several open, lists each and suggests closing all but the newest, which works', async () => {
    const a = new LocalCluster({ nWorkers: 0 });
    const b = stderrDuring(() => new LocalCluster({ nWorkers: 0 })).value;
    built.push(a, b);
    const { value: c, text } = stderrDuring(() => new LocalCluster({ nWorkers: 0 }));
    built.push(c);
    expect(text).toContain('while 2 other LocalClusters are still open');
    expect(text.match(/^ {2}LocalCluster #\d+: (starting|running)/gm)).toHaveLength(2);
    await Promise.all([a.ready, b.ready, c.ready]);
    await runSuggestedFix(text);
    expect([a.status, b.status, c.status]).toEqual(['closed', 'closed', 'running']);
    expect(LocalCluster.running()).toEqual([c]);
  });

  it("says at once that its dashboard moves when the open one's dashboard holds the port asked for", async () => {
    const first = new LocalCluster({ nWorkers: 0, dashboardAddress: '127.0.0.1:0' });
    built.push(first);
    await first.ready;
    const port = Number(new URL(first.dashboardLink!).port);
    const { value: second, text } = stderrDuring(() => new LocalCluster({ nWorkers: 0, dashboardAddress: `127.0.0.1:${port}` }));
    built.push(second);
    expect(text).toMatch(new RegExp(`port ${port} is held by the dashboard of LocalCluster #\\d+, so its dashboard moves to a free port`));
    await second.ready;
    expect(Number(new URL(second.dashboardLink!).port)).not.toBe(port);
  });

  it('says nothing when the one before was closed', async () => {
    const first = new LocalCluster({ nWorkers: 0 });
    await first.close();
    const { value: second, text } = stderrDuring(() => new LocalCluster({ nWorkers: 0 }));
    built.push(second);
    expect(text).toBe('');
  });
});
