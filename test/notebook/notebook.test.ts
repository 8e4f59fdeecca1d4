/**
 * A notebook of cells, as a user writes them, executed for real in both tslab kernels (JavaScript and
 * TypeScript) by Jupyter's nbclient: a cluster, its summary, a submit from a later cell, a helper from
 * another cell, progress, a failing task, a second cluster, close. Asserts on each cell's outputs and that
 * no worker process is left. Skips (saying why) where Jupyter or tslab are not installed; fails under CI.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { processesMentioning } from '../jobqueue-cluster/helpers.js';
import { isAlive } from '../support/with-cluster.js';
import { scratchProject, type ScratchProject } from './installed-package.js';
import { executeNotebook, missingNotebookTools, streamText, type ExecutedNotebook, type KernelName } from './jupyter.js';

const inCI = ['true', '1'].includes(String(process.env.CI).toLowerCase());
const missing = missingNotebookTools();

function requireJupyter(ctx: TestContext): void {
  if (missing === undefined) return;
  if (inCI) throw new Error(`CI=true and ${missing}`);
  ctx.skip(`skipped: ${missing}`);
}

/** The notebook's cells; `ts` where the TypeScript kernel needs another spelling. */
function cells(kernel: KernelName, takenPort: number): string[] {
  const typed = kernel === 'tslab';
  const load = typed ? "import { LocalCluster, Client } from 'flotilla';" : "const { LocalCluster, Client } = require('flotilla');";
  const n = typed ? 'x: number' : 'x';
  return [
    `${load}\nconst cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: '127.0.0.1:${takenPort}' });\nconst client = await Client.connect(cluster);`,
    'cluster',
    'client',
    'const pids = cluster.workerPids;\nconsole.log(JSON.stringify({ pids, scheduler: cluster.schedulerAddress }));',
    `const factor = 10;\nfunction scale(${n}) {\n  return x * factor;\n}`,
    `const f = client.submit((${n}) => x + 1, 41);\nawait f`,
    'f',
    `await client.submit((${n}) => scale(x), 4)`,
    `const squares = client.map((${n}) => x * x, Array.from({ length: 20 }, (_, i) => i));\nawait client.progress(squares, { intervalMs: 0 });\n(await client.gather(squares)).reduce((a, b) => a + b, 0)`,
    "await client.submit(() => {\n  throw new RangeError('bad input 7');\n})",
    `await client.submit((${n}) => x * 2, 21)`,
    "const again = new LocalCluster({ nWorkers: 0 });\nconsole.log('constructed');\nawait again.close();",
    `await client.close();\nawait cluster.close();\nconst alive = pids.filter((pid${typed ? ': number' : ''}) => { try { process.kill(pid, 0); return true; } catch { return false; } });\nconsole.log(JSON.stringify({ alive, status: cluster.status }));`,
  ];
}

describe.each(['jslab', 'tslab'] as const)('a notebook in the %s kernel', (kernel) => {
  let project: ScratchProject | undefined;
  let portHolder: Server | undefined;
  let takenPort = 0;
  let run: ExecutedNotebook | undefined;

  beforeAll(async () => {
    if (missing !== undefined) return;
    project = scratchProject(`flotilla-${kernel}-`);
    // Something else holds the dashboard port the first cell asks for, as another user's notebook would.
    portHolder = createServer();
    await new Promise<void>((resolve) => portHolder!.listen(0, '127.0.0.1', resolve));
    takenPort = (portHolder.address() as { port: number }).port;
    run = await executeNotebook(cells(kernel, takenPort), kernel, project.dir, { ...process.env, FLOTILLA_DASHBOARD_ADDRESS: 'false' });
  }, 240_000);

  afterAll(async () => {
    await new Promise((resolve) => (portHolder ? portHolder.close(resolve) : resolve(undefined)));
    project?.remove();
  });

  const cell = (index: number) => run!.cells[index]!;

  it('loads flotilla, starts a cluster, and warns in that cell that the dashboard port moved', (ctx) => {
    requireJupyter(ctx);
    expect(cell(0).status, JSON.stringify(cell(0).outputs)).toBe('ok');
    expect(streamText(cell(0), 'stderr')).toMatch(new RegExp(`port ${takenPort} is in use \\(another dashboard\\?\\); the dashboard is at http://127\\.0\\.0\\.1:\\d+/status`));
  });

  it('prints the cluster and client summaries, and a future with its key and status', (ctx) => {
    requireJupyter(ctx);
    const shownCluster = streamText(cell(1), 'stdout');
    expect(shownCluster).toMatch(/^LocalCluster \{\n  scheduler: 'ipc:\/\/\/.+',\n  status: 'running',\n  workers: 2,\n  threads: 2,\n  memory: '.+ GiB',\n  dashboard: 'http:\/\/127\.0\.0\.1:\d+\/status\?token=.+'\n\}\n$/);
    expect(streamText(cell(2), 'stdout')).toMatch(/^Client \{\n  scheduler: 'ipc:\/\/\/.+',\n  status: 'connected',\n  workers: 2,\n  threads: 2,/);
    expect(streamText(cell(6), 'stdout')).toMatch(/^Future \{ key: 'anonymous-[0-9a-f]+', status: 'finished', type: 'number' \}\n$/);
  });

  it('computes a task submitted from a later cell', (ctx) => {
    requireJupyter(ctx);
    expect(streamText(cell(5), 'stdout')).toBe('42\n');
  });

  it('runs a task that calls a helper defined in another cell, which reads a constant of that cell', (ctx) => {
    requireJupyter(ctx);
    expect(cell(7).status, JSON.stringify(cell(7).outputs)).toBe('ok');
    expect(streamText(cell(7), 'stdout')).toBe('40\n');
  });

  it('shows progress as lines in the cell', (ctx) => {
    requireJupyter(ctx);
    const lines = streamText(cell(8), 'stderr').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^progress: \d+\/20 done \(\d+%\), [\d.]+ s elapsed/);
    expect(lines.at(-1)).toMatch(/^progress: 20\/20 done \(100%\), in [\d.]+ s$/);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(streamText(cell(8), 'stdout')).toBe('2470\n');
  });

  it('reports a failing task as the cell error, and the next cell runs on the same cluster', (ctx) => {
    requireJupyter(ctx);
    expect(cell(9).status).toBe('error');
    expect(streamText(cell(9), 'stderr')).toMatch(/^TaskError \[RangeError\]: bad input 7\n/);
    expect(cell(10).status).toBe('ok');
    expect(streamText(cell(10), 'stdout')).toBe('42\n');
  });

  it('says at once, in the cell that builds it, that another LocalCluster is open', (ctx) => {
    requireJupyter(ctx);
    const outputs = cell(11).outputs;
    const notice = outputs.findIndex((o) => o.name === 'stderr' && /LocalCluster #\d+ is starting while another LocalCluster is still open/.test(o.text ?? ''));
    const after = outputs.findIndex((o) => o.name === 'stdout' && o.text === 'constructed\n');
    expect(notice, JSON.stringify(outputs)).toBeGreaterThanOrEqual(0);
    expect(notice).toBeLessThan(after);
    expect(outputs[notice]!.text).toContain('await LocalCluster.running()[0].close()');
  });

  it('closes: no worker process is left, and the kernel exits as soon as it is asked', (ctx) => {
    requireJupyter(ctx);
    const { pids, scheduler } = JSON.parse(streamText(cell(3), 'stdout')) as { pids: number[]; scheduler: string };
    expect(pids).toHaveLength(2);
    expect(JSON.parse(streamText(cell(12), 'stdout'))).toEqual({ alive: [], status: 'closed' });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(scheduler)).toEqual([]);
    // A kernel kept alive by a handle flotilla forgot to close is killed by jupyter_client only after seconds.
    expect(run!.shutdown_seconds).toBeLessThan(2.5);
  });
});
