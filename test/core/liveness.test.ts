/**
 * Failures seen fast, with real processes: a worker killed with SIGKILL is known to the scheduler
 * within a second (its connection closes; no heartbeat time-out) and its task runs elsewhere at once;
 * the worker's heartbeat follows the scheduler's `heartbeatMs`; a worker the scheduler removed comes
 * back with one registration, not a cascade of evictions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as zmq from 'zeromq';
import { pack, unpack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { SchedulerServer } from '../../src/scheduler/server.js';
import { WorkerNode } from '../../src/worker/worker.js';
import { distFile } from '../../src/util/package-paths.js';
import { joinBody } from '../../src/transport/small-frames.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function workerProcess(address: string, name: string): ChildProcess {
  const child = spawn(process.execPath, [distFile('src/cli/worker.js'), address, '--name', name, '--exit-with-parent'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  cleanup.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return child;
}

/** Resolves once the scheduler has received `n` more messages (an idle worker sends only heartbeats). */
function messagesArrive(server: SchedulerServer, n: number): Promise<void> {
  const start = server.view.messagesIn;
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (server.view.messagesIn - start < n) return;
      clearInterval(check);
      resolve();
    }, 10);
  });
}

function joined(server: SchedulerServer, names: string[]): Promise<void> {
  const missing = new Set(names.filter((n) => !server.workerSummaries().some((w) => w.name === n)));
  if (missing.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const onAdded = (summary: { name: string }) => {
      missing.delete(summary.name);
      if (missing.size === 0) {
        server.off('worker-added', onAdded);
        resolve();
      }
    };
    server.on('worker-added', onAdded);
  });
}

describe('a worker that dies', () => {
  it('is removed on SIGKILL by its closed connection, not by the 10 s TTL, and its task runs on the other worker at once', async () => {
    const server = await SchedulerServer.start({ workerTtlMs: 10_000 });
    cleanup.push(() => server.close());
    const workers = { a: workerProcess(server.address, 'a'), b: workerProcess(server.address, 'b') };
    await joined(server, ['a', 'b']);
    const client = await Client.connect(server.address);
    cleanup.push(() => client.close());

    const future = client.submit(() => {
      const end = Date.now() + 1_500;
      while (Date.now() < end);
      return process.pid;
    });
    // Wait for the task to start on a worker.
    const running = await new Promise<string>((resolve) => {
      const check = setInterval(() => {
        const task = server.view.tasks.get(future.key);
        if (task?.processingOn && task.processingOn.executing.size > 0) {
          clearInterval(check);
          resolve(task.processingOn.info.name);
        }
      }, 5);
    });
    const victim = workers[running as 'a' | 'b'];
    const removed = once(server, 'worker-removed');
    const killedAt = performance.now();
    victim.kill('SIGKILL');
    const [summary, reason] = (await removed) as [{ name: string }, string];
    const detectedMs = performance.now() - killedAt;
    expect(summary.name).toBe(running);
    expect(reason).toMatch(/connection closed/);
    // The reason proves the mechanism; the time (well under a second here, logged below) only has to beat the TTL.
    expect(detectedMs).toBeLessThan(10_000);
    const pid = await future.result();
    const totalMs = performance.now() - killedAt;
    expect(pid).toBe(workers[running === 'a' ? 'b' : 'a'].pid);
    console.log(`SIGKILL seen by the scheduler after ${detectedMs.toFixed(1)} ms; the task's result (1.5 s of work, rerun) ${totalMs.toFixed(0)} ms after the kill`);
  }, 30_000);
});

describe('heartbeats and re-registration', () => {
  it('follow the scheduler: heartbeats at its heartbeatMs, and one registration after the scheduler dropped the worker', async () => {
    const server = await SchedulerServer.start({ heartbeatMs: 40 });
    cleanup.push(() => server.close());
    const worker = await WorkerNode.start({ scheduler: server.address, name: 'w' });
    cleanup.push(() => worker.close());
    await worker.registered;
    // An idle worker sends only heartbeats: 10 of them arrive in well under the 5 s they took at 500 ms.
    const startedAt = performance.now();
    await messagesArrive(server, 10);
    expect(performance.now() - startedAt).toBeLessThan(2_500);

    // The scheduler drops the worker while heartbeats and other messages are in flight: each is answered
    // `unknown-worker`, and the worker must register once, not once per answer.
    const added: string[] = [];
    const removed: string[] = [];
    server.on('worker-added', (w) => added.push(w.name));
    server.on('worker-removed', (w, reason) => removed.push(reason));
    server.removeWorkerByName('w', 'dropped by the test');
    await once(server, 'worker-added');
    // Let many more heartbeats pass (each would have been an eviction before): wait for 20 of them.
    await messagesArrive(server, 20);
    expect(added).toEqual(['w']);
    expect(removed).toEqual(['dropped by the test']);
    expect(server.workerCount).toBe(1);
  }, 20_000);
});

describe('no eviction cascade', () => {
  it('a worker told unknown-worker ten times in one batch registers once', async () => {
    const fake = new zmq.Router({ linger: 0 });
    await fake.bind('tcp://127.0.0.1:0');
    cleanup.push(() => fake.close());
    const worker = await WorkerNode.start({ scheduler: fake.lastEndpoint!, name: 'w' });
    cleanup.push(() => worker.close());
    const registers: number[] = [];
    let routing: Buffer | undefined;
    let heartbeats = 0;
    const seen = (async () => {
      for await (const [id, ...frames] of fake) {
        routing = id;
        const [body] = joinBody(frames);
        const ops = (unpack(body!) as Array<{ op: string }>).map((m) => m.op);
        for (const op of ops) if (op === 'register') registers.push(Date.now());
        if (registers.length === 1 && ops.includes('register')) {
          await fake.send([id, pack([{ op: 'registered', workerId: 'x', schedulerId: 's', heartbeatMs: 20 }])]);
          await fake.send([id, pack(Array.from({ length: 10 }, () => ({ op: 'unknown-worker' })))]);
        }
        // The second registration is answered; then twenty more heartbeats pass with no third.
        if (registers.length === 2 && ops.includes('register')) await fake.send([id, pack([{ op: 'registered', workerId: 'y', schedulerId: 's', heartbeatMs: 20 }])]);
        if (registers.length === 2 && ops.includes('heartbeat') && ++heartbeats >= 20) return;
      }
    })();
    await seen;
    expect(routing).toBeDefined();
    expect(registers).toHaveLength(2);
  }, 20_000);

  it('a dropped worker that keeps talking is told unknown-worker once, not once per message', async () => {
    const server = await SchedulerServer.start({});
    cleanup.push(() => server.close());
    const ghost = new zmq.Dealer({ routingId: 'ghost', linger: 0 });
    ghost.connect(server.address);
    cleanup.push(() => ghost.close());
    for (let i = 0; i < 10; i++) await ghost.send(pack([{ op: 'heartbeat', executing: [], memory: 1, queued: 0 }]));
    const [first] = joinBody(await ghost.receive());
    expect((unpack(first!) as Array<{ op: string }>).map((m) => m.op)).toEqual(['unknown-worker']);
    // The next answer the ghost gets is to its hello: nothing else was queued before it.
    await ghost.send(pack([{ op: 'hello', clientId: 'g', version: 't' }]));
    const [next] = joinBody(await ghost.receive());
    expect((unpack(next!) as Array<{ op: string }>).map((m) => m.op)).toEqual(['welcome']);
  });
});

describe('a scheduler whose own event loop was blocked', () => {
  it('does not blame its workers for the heartbeats it could not read, and still removes one that really went silent', async () => {
    const server = await SchedulerServer.start({ workerTtlMs: 1_500 });
    cleanup.push(() => server.close());
    const workers = { a: workerProcess(server.address, 'a'), b: workerProcess(server.address, 'b') };
    await joined(server, ['a', 'b']);
    const removed: Array<[string, string]> = [];
    server.on('worker-removed', (w, reason) => removed.push([w.name, reason]));

    // The scheduler runs in this process, as a LocalCluster's does: synchronous work here (a client's
    // map of a huge graph, say) keeps it from reading the heartbeats that pile up in its socket.
    const blockedUntil = Date.now() + 3_000;
    while (Date.now() < blockedUntil);
    // The late check runs first after the block; then heartbeats of both workers are read, and more
    // checks run (messages from each worker, two heartbeat intervals apiece).
    await messagesArrive(server, 8);
    expect(removed).toEqual([]);
    expect(server.workerCount).toBe(2);

    // A worker that stops for real (its connection stays open) is still removed by the TTL.
    workers.a.kill('SIGSTOP');
    cleanup.push(() => { workers.a.kill('SIGCONT'); });
    const [summary, reason] = (await once(server, 'worker-removed')) as [{ name: string }, string];
    expect(summary.name).toBe('a');
    expect(reason).toMatch(/no heartbeat/);
    expect(server.workerCount).toBe(1);
  }, 30_000);
});
