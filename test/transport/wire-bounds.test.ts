/**
 * Bounds at the wire, against real ZeroMQ sockets on loopback: a frame over the size limit disconnects
 * its sender, chunked reassembly is bounded per peer in bytes and time and dropped when the peer goes,
 * and flotilla's own large messages (bodies included) still pass under a small frame limit.
 */
import * as zmq from 'zeromq';
import { afterEach, describe, expect, it } from 'vitest';
import { DealerLink, RouterEndpoint } from '../../src/transport/endpoints.js';
import { MIN_FRAME_BYTES, resolveLimits } from '../../src/transport/limits.js';
import { ConfigurationError } from '../../src/errors/index.js';

const CHUNK_MAGIC = Buffer.from('FLCH');

function chunkHeader(stream: number, total: number, offset: number): Buffer {
  const header = Buffer.alloc(24);
  CHUNK_MAGIC.copy(header, 0);
  header.writeUInt32LE(stream, 4);
  header.writeDoubleLE(total, 8);
  header.writeDoubleLE(offset, 16);
  return header;
}

/** Resolves when `predicate` holds, checked after each event the caller signals; rejects after `ms`. */
function eventually(predicate: () => boolean, signal: { on: (f: () => void) => void }, ms = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve();
    const timer = setTimeout(() => reject(new Error('condition not reached')), ms);
    signal.on(() => {
      if (predicate()) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

class Signal {
  #listeners: Array<() => void> = [];
  on(f: () => void): void { this.#listeners.push(f); }
  fire(): void { for (const f of this.#listeners) f(); }
}

interface Harness {
  server: RouterEndpoint<object>;
  address: string;
  received: Array<{ peer: string; raw: unknown }>;
  failures: Array<{ peer: string; error: Error }>;
  gone: string[];
  signal: Signal;
}

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const socket of open.splice(0)) await socket.close();
});

async function harness(limits: Parameters<typeof resolveLimits>[0]): Promise<Harness> {
  const server = new RouterEndpoint<object>(() => {}, undefined, { limits });
  open.push(server);
  const address = await server.bind('tcp://127.0.0.1:0');
  const h: Harness = { server, address, received: [], failures: [], gone: [], signal: new Signal() };
  server.start(
    (peer, raw) => { h.received.push({ peer, raw }); h.signal.fire(); },
    (peer, error) => { h.failures.push({ peer, error: error as Error }); h.signal.fire(); },
    (peer) => { h.gone.push(peer); h.signal.fire(); },
  );
  return h;
}

function rawDealer(address: string, routingId: string): zmq.Dealer {
  const dealer = new zmq.Dealer({ routingId, linger: 0 });
  dealer.connect(address);
  open.push({ close: () => dealer.close() });
  return dealer;
}

describe('limits', () => {
  it('come from options over the environment over the defaults, and refuse nonsense with the limit named', () => {
    expect(resolveLimits({}, {}).maxFrameBytes).toBe(64 * 1024 * 1024);
    expect(resolveLimits({}, { FLOTILLA_MAX_FRAME_BYTES: String(32 * 1024 * 1024) }).maxFrameBytes).toBe(32 * 1024 * 1024);
    expect(resolveLimits({ maxFrameBytes: MIN_FRAME_BYTES }, { FLOTILLA_MAX_FRAME_BYTES: '1e9' }).maxFrameBytes).toBe(MIN_FRAME_BYTES);
    expect(() => resolveLimits({ assemblyTimeoutMs: -1 }, {})).toThrow(ConfigurationError);
    expect(() => resolveLimits({}, { FLOTILLA_MAX_ASSEMBLY_BYTES: 'lots' })).toThrow(/FLOTILLA_MAX_ASSEMBLY_BYTES.*positive number/);
    expect(() => resolveLimits({ maxFrameBytes: 1024 }, {})).toThrow(/at least \d+ bytes/);
  });
});

describe('a ROUTER endpoint under a hostile peer', () => {
  it('disconnects a peer that sends a frame over maxFrameBytes and keeps serving it and others', async () => {
    const h = await harness({ maxFrameBytes: MIN_FRAME_BYTES });
    const vandal = rawDealer(h.address, 'vandal');
    await vandal.send(Buffer.alloc(MIN_FRAME_BYTES + 1));
    await eventually(() => h.gone.includes('vandal'), h.signal);
    expect(h.received).toHaveLength(0);
    // Its reconnection, and a well-behaved peer, are served as usual.
    const { pack } = await import('msgpackr');
    await vandal.send(pack([{ op: 'after' }]));
    const good = rawDealer(h.address, 'good');
    await good.send(pack([{ op: 'hello' }]));
    await eventually(() => h.received.length === 2, h.signal);
    expect(h.received.map((r) => r.peer).sort()).toEqual(['good', 'vandal']);
  });

  it('holds at most one incomplete stream per peer: a flood of chunks that never complete stays at one stream', async () => {
    const h = await harness({});
    const vandal = rawDealer(h.address, 'vandal');
    const total = 1024 * 1024;
    for (let stream = 1; stream <= 1000; stream++) await vandal.send([chunkHeader(stream, total, 0), Buffer.alloc(1024)]);
    await eventually(() => h.failures.length === 999, h.signal, 20_000);
    expect(h.server.assemblyBytes('vandal')).toBe(total);
    expect(h.failures[0]!.error.message).toMatch(/stream 1 was left incomplete \(1024 of 1048576 bytes\) when stream 2 began: dropped/);
    // The peer goes: what it left is dropped at once.
    vandal.close();
    await eventually(() => h.gone.includes('vandal'), h.signal);
    expect(h.server.assemblyBytes('vandal')).toBe(0);
  });

  it('refuses a stream that would pass maxAssemblyBytes before allocating it, and bad chunk headers', async () => {
    const h = await harness({ maxAssemblyBytes: 3 * 1024 * 1024 });
    const vandal = rawDealer(h.address, 'vandal');
    const mib = 1024 * 1024;
    // Two complete streams (never claimed by a message) fit; a third, and one announcing 4 GiB, do not.
    for (const stream of [1, 2]) await vandal.send([chunkHeader(stream, mib, 0), Buffer.alloc(mib)]);
    await vandal.send([chunkHeader(3, 2 * mib, 0), Buffer.alloc(16)]);
    await vandal.send([chunkHeader(4, 4 * 1024 ** 3, 0), Buffer.alloc(16)]);
    await vandal.send([chunkHeader(5, Number.NaN, 0), Buffer.alloc(16)]);
    await eventually(() => h.failures.length === 3, h.signal);
    expect(h.failures[0]!.error.message).toMatch(/over the limit of 3145728 \(maxAssemblyBytes; raise it/);
    expect(h.failures[1]!.error.message).toMatch(/a stream of 4294967296 bytes/);
    expect(h.failures[2]!.error.message).toMatch(/announced a stream of NaN bytes/);
    expect(h.server.assemblyBytes('vandal')).toBe(2 * mib);
    // A chunk past the end of its stream drops the stream.
    await vandal.send([chunkHeader(6, 1024, 1000), Buffer.alloc(100)]);
    await eventually(() => h.failures.length === 4, h.signal);
    expect(h.failures[3]!.error.message).toMatch(/does not fit its stream of 1024 bytes/);
    expect(h.server.assemblyBytes('vandal')).toBe(2 * mib);
  });

  it('drops a reassembly that makes no progress within assemblyTimeoutMs', async () => {
    const h = await harness({ assemblyTimeoutMs: 300 });
    const vandal = rawDealer(h.address, 'slow');
    await vandal.send([chunkHeader(1, 4096, 0), Buffer.alloc(1024)]);
    await eventually(() => h.failures.length === 1, h.signal);
    expect(h.failures[0]!.error.message).toMatch(/dropped 4096 bytes of an unfinished streamed message: no progress for 300 ms/);
    expect(h.server.assemblyBytes('slow')).toBe(0);
  });

  it('drops a message that claims streams it never sent, whole', async () => {
    const h = await harness({});
    const vandal = rawDealer(h.address, 'liar');
    const { pack } = await import('msgpackr');
    await vandal.send([pack([{ op: 'x' }]), Buffer.alloc(0), Buffer.concat([Buffer.from('FLST'), Buffer.from('[[1, 77]]')])]);
    await vandal.send([pack([{ op: 'x' }]), Buffer.concat([Buffer.from('FLST'), Buffer.from('{"not": "a list"}')])]);
    await eventually(() => h.failures.length === 2, h.signal);
    expect(h.failures[0]!.error.message).toMatch(/stream 77\) arrived incomplete/);
    expect(h.failures[1]!.error.message).toMatch(/stream list/);
    expect(h.received).toHaveLength(0);
  });
});

describe('flotilla\'s own large messages under a small frame limit', () => {
  it('stream bodies and binary frames in chunks, so nothing on the wire is over the limit', async () => {
    const limits = { maxFrameBytes: MIN_FRAME_BYTES };
    const h = await harness(limits);
    const link = new DealerLink<object>(h.address, 'big-sender', () => {}, undefined, { limits });
    open.push(link);
    const { OutOfBand } = await import('../../src/protocol/out-of-band.js');
    const text = 'x'.repeat(12 * 1024 * 1024);
    const bytes = new Uint8Array(20 * 1024 * 1024).fill(7);
    link.send({ op: 'big', text, data: new OutOfBand(bytes) });
    await eventually(() => h.received.length === 1, h.signal, 20_000);
    const [message] = h.received[0]!.raw as Array<{ op: string; text: string; data: { bytes: Uint8Array } }>;
    expect(message!.text.length).toBe(text.length);
    expect(message!.data.bytes.byteLength).toBe(bytes.byteLength);
    expect(message!.data.bytes[bytes.byteLength - 1]).toBe(7);
    expect(h.failures).toHaveLength(0);
    expect(h.gone).toHaveLength(0);
    expect(h.server.assemblyBytes('big-sender')).toBe(0);
  });
});
