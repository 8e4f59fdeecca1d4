/** Shared pieces of the dashboard tests: a LocalCluster without its own dashboard, HTTP reads, SSE parsing. */
import { createServer, type Server } from 'node:net';
import { Client, LocalCluster } from '../../src/index.js';

export interface Started {
  cluster: LocalCluster;
  client: Client;
  close(): Promise<void>;
}

/** A LocalCluster of `nWorkers` single-thread workers on loopback and a client; the test starts its own dashboard. */
export async function startCluster(nWorkers = 2): Promise<Started> {
  const cluster = new LocalCluster({ nWorkers, threadsPerWorker: 1, dashboardAddress: false });
  let client: Client | undefined;
  try {
    await cluster.ready;
    client = await Client.connect(cluster);
    await client.waitForWorkers(nWorkers, { timeoutMs: 30_000 });
  } catch (error) {
    await client?.close();
    await cluster.close();
    throw error;
  }
  const connected = client;
  return {
    cluster,
    client: connected,
    close: async () => {
      await connected.close();
      await cluster.close();
    },
  };
}

/** GET with a deadline; the body as text. */
export async function get(url: string, timeoutMs = 10_000): Promise<{ status: number; type: string; body: string; headers: Headers }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text(), headers: response.headers };
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await get(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${response.body}`);
  return JSON.parse(response.body) as T;
}

/**
 * Holds `host:port` so that nobody else can bind it. When the port is already taken by someone else,
 * it is just as occupied: returns a no-op release, and `heldByUs` false.
 */
export async function occupy(host: string, port: number): Promise<{ port: number; heldByUs: boolean; release(): Promise<void> }> {
  const server: Server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => resolve());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return { port, heldByUs: false, release: async () => {} };
  }
  const bound = (server.address() as { port: number }).port;
  return { port: bound, heldByUs: true, release: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface SseEvent {
  event: string;
  data: string;
}

/** An open event stream: `next(predicate)` waits (bounded) for the first event that matches. */
export async function openEventStream(url: string): Promise<{ next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const queue: SseEvent[] = [];
  const readEvent = async (deadline: number): Promise<SseEvent> => {
    for (;;) {
      const queued = queue.shift();
      if (queued) return queued;
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = { event: 'message', data: [] as string[] };
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) fields.event = line.slice(7);
          else if (line.startsWith('data: ')) fields.data.push(line.slice(6));
        }
        if (fields.data.length > 0) queue.push({ event: fields.event, data: fields.data.join('\n') });
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no matching event from ${url} in time`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no matching event from ${url} in time`)), remaining); }),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error(`the event stream ${url} ended`);
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  };
  return {
    async next(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const event = await readEvent(deadline);
        if (match(event)) return event;
      }
    },
    close: () => controller.abort(),
  };
}

/** Polls until `condition` holds; throws naming `what` after `timeoutMs`. */
export async function eventually<T>(condition: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
