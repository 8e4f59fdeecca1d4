/**
 * Chaos: a client whose process stops (SIGSTOP) for longer than the scheduler's client TTL. The
 * scheduler lets its futures go; when the client runs again it is told `unknown-client` (not
 * `unknown-worker`, which it would not understand and log every few seconds with its futures never
 * settling), says hello again and resubmits what it still wants: every future settles with the right
 * value. Real processes: a scheduler here, two worker processes, the client in its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack, unpack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import * as zmq from 'zeromq';
import { joinBody } from '../../src/transport/small-frames.js';
import { Client } from '../../src/index.js';
import { SchedulerServer } from '../../src/scheduler/server.js';
import { distFile } from '../../src/util/package-paths.js';
import { waitUntil } from '../support/with-cluster.js';

const CLIENT = fileURLToPath(new URL('./fixtures/stopped-client.mjs', import.meta.url));
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function child(args: string[]): { process: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  cleanup.push(() => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
  });
  return { process: proc, output: () => output };
}

describe('a client the scheduler timed out', () => {
  it('says hello again when it runs again and resubmits its tasks: every future settles with its value', async () => {
    // The client heartbeats every 2 s: a TTL of 8 s keeps a running client in (even on a loaded machine,
    // where a timer fires late), and drops a stopped one.
    const server = await SchedulerServer.start({ clientTtlMs: 8_000, heartbeatMs: 100 });
    cleanup.push(() => server.close());
    const folder = mkdtempSync(join(tmpdir(), 'flotilla-chaos-client-'));
    cleanup.push(() => rmSync(folder, { recursive: true, force: true }));
    for (const name of ['a', 'b']) child([distFile('src/cli/worker.js'), server.address, '--name', name, '--exit-with-parent']);
    await waitUntil(() => server.workerCount === 2, 'both workers registered', 30_000);

    const n = 300;
    const gatePath = join(folder, 'open');
    const client = child([CLIENT, server.address, gatePath, String(n)]);
    await waitUntil(() => {
      if (client.process.exitCode !== null) throw new Error(`the client exited early: ${client.output()}`);
      return client.output().includes('SUBMITTED ');
    }, 'the client submitted', 30_000);
    const { root, last } = JSON.parse(/SUBMITTED (\{.*\})/.exec(client.output())![1]!) as { root: string; last: string };
    await waitUntil(() => server.view.tasks.has(root) && server.view.tasks.has(last), 'the scheduler holds every task', 30_000);

    const removed = once(server, 'client-removed');
    client.process.kill('SIGSTOP');
    const [, reason] = (await removed) as [string, string];
    expect(reason).toMatch(/client TTL/);
    // What the client submitted is gone from the scheduler (the running root finishes unwanted).
    await waitUntil(() => !server.view.tasks.has(last), 'its dependents are forgotten', 10_000);

    writeFileSync(gatePath, '');
    const exited = once(client.process, 'exit');
    client.process.kill('SIGCONT');
    const [code] = (await exited) as [number | null];
    const output = client.output();
    expect(code, output).toBe(0);
    const values = JSON.parse(/RESULTS (\[.*\])/.exec(output)![1]!) as number[];
    expect(values).toEqual(Array.from({ length: n }, (_, i) => 1 + i));
    // One clear line, once; never the worker's notice it cannot read.
    expect(output.match(/timed this client out/g)).toHaveLength(1);
    expect(output).not.toMatch(/unknown-worker/);
  }, 60_000);
});

describe('a short client TTL', () => {
  it('keeps a running client: the welcome asks it to say it is alive four times per TTL', async () => {
    // With the fixed 2 s heartbeat, a client of a scheduler whose clientTtlMs is 1.2 s was dropped while it ran.
    const server = await SchedulerServer.start({ clientTtlMs: 1_200, heartbeatMs: 100 });
    cleanup.push(() => server.close());
    child([distFile('src/cli/worker.js'), server.address, '--name', 'a', '--exit-with-parent']);
    await waitUntil(() => server.workerCount === 1, 'the worker registered', 30_000);
    const removed: string[] = [];
    server.on('client-removed', (_id: string, reason: string) => removed.push(reason));
    const client = await Client.connect(server.address, { timeoutMs: 30_000, security: false });
    cleanup.push(() => client.close());
    // Heartbeats heard over three TTLs: each one moves the client's lastSeen on.
    const seen = new Set<number>();
    await waitUntil(() => {
      for (const record of server.view.clients.values()) seen.add(record.lastSeen);
      return seen.size >= 12 || removed.length > 0;
    }, 'twelve heartbeats from the client', 30_000);
    expect(removed).toEqual([]);
    expect(await client.submit((x: number) => x + 1, 41)).toBe(42);
  }, 60_000);
});

describe('a peer the scheduler does not know', () => {
  it('is told unknown-client when it talks as a client, unknown-worker when as a worker', async () => {
    const server = await SchedulerServer.start({});
    cleanup.push(() => server.close());
    const answers = async (routingId: string, batch: unknown[]): Promise<string[]> => {
      const ghost = new zmq.Dealer({ routingId, linger: 0 });
      ghost.connect(server.address);
      cleanup.push(() => ghost.close());
      await ghost.send(pack(batch));
      const [body] = joinBody(await ghost.receive());
      return (unpack(body!) as Array<{ op: string }>).map((m) => m.op);
    };
    // Both send `heartbeat`: a client's carries nothing, a worker's its load.
    expect(await answers('client-ghost', [{ op: 'heartbeat' }])).toEqual(['unknown-client']);
    expect(await answers('client-ghost-2', [{ op: 'release', keys: ['x'] }, { op: 'heartbeat' }])).toEqual(['unknown-client']);
    expect(await answers('worker-ghost', [{ op: 'heartbeat', executing: [], memory: 1, queued: 0 }])).toEqual(['unknown-worker']);
  });
});
