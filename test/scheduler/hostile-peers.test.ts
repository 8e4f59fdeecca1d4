/**
 * The scheduler under peers that send malformed messages over real ZeroMQ sockets on loopback: a bad
 * message changes nothing (validated in full before it reaches the state), a client hears why, a burst
 * of bad messages writes a few summary lines instead of one per message, and memory stays bounded.
 */
import * as zmq from 'zeromq';
import { pack, unpack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { SchedulerServer } from '../../src/scheduler/server.js';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const socket of open.splice(0).reverse()) await socket.close();
});

async function scheduler(): Promise<{ server: SchedulerServer; lines: string[] }> {
  const server = await SchedulerServer.start({ heartbeatMs: 50 });
  open.push(server);
  const lines: string[] = [];
  server.log.addSink((line, level) => { if (level === 'warn') lines.push(line); });
  return { server, lines };
}

function dealer(address: string, routingId: string): zmq.Dealer {
  const socket = new zmq.Dealer({ routingId, linger: 0 });
  socket.connect(address);
  open.push({ close: () => socket.close() });
  return socket;
}

async function nextBatch(socket: zmq.Dealer): Promise<Array<{ op: string } & Record<string, unknown>>> {
  const [body] = await socket.receive();
  return unpack(body!) as Array<{ op: string } & Record<string, unknown>>;
}

const task = (key: string, extra: Record<string, unknown> = {}) => ({
  key, fn: 'f', args: { body: Buffer.from([0x90]), frames: [] }, deps: [], priority: 0, retries: 0, group: 'g', ...extra,
});

describe('a scheduler under malformed messages', () => {
  it('refuses a submit with a bad nested field whole, answers the client, and still serves it', async () => {
    const { server } = await scheduler();
    const client = dealer(server.address, 'client-1');
    await client.send(pack([{ op: 'hello', clientId: 'c1', version: 'test' }]));
    expect((await nextBatch(client))[0]!.op).toBe('welcome');

    // One good task and one with `restrictions.workers` that is not a list: the whole message is refused.
    await client.send(pack([{ op: 'submit', tasks: [task('good'), task('bad', { restrictions: { workers: 5 } })] }]));
    const [refusal] = await nextBatch(client);
    expect(refusal!.op).toBe('error');
    expect((refusal!.error as { message: string }).message).toMatch(/op `submit`: field tasks\[1\]\.restrictions\.workers should be an array, got number/);
    expect(server.view.tasks.size).toBe(0);

    const errors: string[] = [];
    server.log.addSink((line, level) => { if (level === 'error') errors.push(line); });
    const bad = [
      { op: '__proto__' },
      { op: 'constructor' },
      { op: 'toString' },
      { op: 'submit', tasks: [task('k', { priority: Number.NaN })] },
      { op: 'submit', tasks: [task('k', { args: { body: 'not binary', frames: [] } })] },
      { op: 'submit', tasks: { length: 1, 0: task('k') } },
      { op: 'run', id: 1, fn: 'f', args: { body: Buffer.alloc(1), frames: [] }, timeoutMs: 1, workers: [1] },
      { op: 'release', keys: [{ toString: 'k' }] },
    ];
    for (const message of bad) await client.send(pack([message]));
    expect(server.view.tasks.size).toBe(0);

    await client.send(pack([{ op: 'submit', tasks: [task('good')] }]));
    await client.send(pack([{ op: 'info', id: 9 }]));
    let info: Record<string, unknown> | undefined;
    for (let i = 0; i < 10 && !info; i++) info = (await nextBatch(client)).find((m) => m.op === 'info-reply');
    expect(server.view.tasks.has('good')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('refuses `register` without the required fields, and a worker record with prototype keys', async () => {
    const { server } = await scheduler();
    const fake = dealer(server.address, 'fake-worker');
    await fake.send(pack([{ op: 'register', worker: {} }]));
    const record = JSON.parse('{"name":"w","host":"h","address":"tcp://127.0.0.1:1","nthreads":1,"memoryLimit":0,"resources":{"__proto__":{"polluted":1}},"pid":1,"localDirectory":"/tmp"}');
    await fake.send(pack([{ op: 'register', worker: record }]));
    await fake.send(pack([{ op: 'info', id: 1 }]));
    // The scheduler answers nothing to a peer it does not know: wait for it to handle all three.
    const probe = dealer(server.address, 'probe');
    await probe.send(pack([{ op: 'hello', clientId: 'p', version: 't' }]));
    await nextBatch(probe);
    expect(server.workerCount).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('writes a few summary lines for a burst of 100,000 bad messages, and memory comes back', async () => {
    const { server, lines } = await scheduler();
    const vandal = dealer(server.address, 'vandal');
    await vandal.send(pack([{ op: 'hello', clientId: 'v', version: 't' }]));
    await nextBatch(vandal);
    const before = process.memoryUsage().rss;
    const bad = pack(Array.from({ length: 1_000 }, (_, i) => ({ op: i % 2 ? 'no-such-op' : 'submit', tasks: 'x' })));
    for (let i = 0; i < 100; i++) await vandal.send(bad);
    await vandal.send(pack([{ op: 'info', id: 1 }]));
    for (let i = 0; i < 200; i++) if ((await nextBatch(vandal)).some((m) => m.op === 'info-reply')) break;
    const burst = lines.length;
    expect(burst).toBeLessThanOrEqual(4);
    expect(lines.some((l) => /unknown op "no-such-op"/.test(l))).toBe(true);
    const after = process.memoryUsage().rss;
    console.log(`100k bad messages: ${burst} warning lines, rss ${Math.round(before / 1e6)} -> ${Math.round(after / 1e6)} MB`);
    expect(after - before).toBeLessThan(200e6);
  }, 30_000);
});
