/**
 * The dashboard's HTTP side against a real LocalCluster: JSON endpoints, the event stream, port
 * collisions, the access token on non-loopback hosts, and no per-task work while no page is open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard, type DashboardState, type DashboardUpdate } from '../../src/dashboard/index.js';
import type { TaskRun } from '../../src/index.js';
import type { FlameGraph } from '../../src/profile/flame.js';
import { eventually, get, getJson, occupy, openEventStream, startCluster, type Started } from './helpers.js';

let started: Started;
const dashboards: Dashboard[] = [];

async function dashboard(options: Parameters<typeof startDashboard>[1]): Promise<Dashboard> {
  const d = await startDashboard(started.cluster.scheduler, options);
  if (!d) throw new Error('startDashboard returned undefined');
  dashboards.push(d);
  return d;
}

/** `/status?token=…` → `/api/state?token=…` */
const endpoint = (d: Dashboard, path: string, extra = '') => {
  const url = new URL(d.url);
  const token = url.searchParams.get('token');
  const query = [token ? `token=${token}` : '', extra].filter(Boolean).join('&');
  return `http://127.0.0.1:${d.port}${path}${query ? `?${query}` : ''}`;
};

beforeAll(async () => {
  started = await startCluster(2);
});

afterAll(async () => {
  await Promise.all(dashboards.map((d) => d.close()));
  await started?.close();
});

describe('dashboard HTTP endpoints', () => {
  it('serves workers, per-group progress and the task stream of a real job as JSON', async () => {
    const d = await dashboard({ address: 0 });
    expect(d.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${d.port}/status\\?token=[A-Za-z0-9_-]{43}$`));
    const since = Date.now();
    // The first request starts the scheduler's recorder (it records only when someone asks).
    expect(await getJson<TaskRun[]>(endpoint(d, '/api/task-stream', `since=${since}`))).toEqual([]);

    const squareForJson = (x: number) => x * x;
    const futures = started.client.map(squareForJson, Array.from({ length: 60 }, (_, i) => i));
    expect(await started.client.gather(futures)).toEqual(Array.from({ length: 60 }, (_, i) => i * i));

    const state = await getJson<DashboardState>(endpoint(d, '/api/state'));
    expect(state.schedulerAddress).toBe(started.cluster.scheduler.address);
    expect(state.workers.map((w) => w.name).sort()).toEqual(['local-0', 'local-1']);
    for (const w of state.workers) {
      expect(w.nthreads).toBe(1);
      expect(w.memoryLimit).toBeGreaterThan(0);
      expect(w.pid).toBeGreaterThan(0);
    }
    const group = state.groups.find((g) => g.group === 'squareForJson');
    expect(group).toEqual({ group: 'squareForJson', waiting: 0, queued: 0, processing: 0, finished: 60, erred: 0, total: 60 });
    expect(state.tasksByState.memory ?? 0).toBeGreaterThanOrEqual(60);

    const runs = await getJson<TaskRun[]>(endpoint(d, '/api/task-stream', `since=${since}`));
    const ours = runs.filter((r) => r.group === 'squareForJson');
    expect(new Set(ours.map((r) => r.key))).toEqual(new Set(futures.map((f) => f.key)));
    const workerIds = new Set(state.workers.map((w) => w.id));
    for (const run of ours) {
      expect(workerIds.has(run.worker)).toBe(true);
      expect(run.status).toBe('memory');
      expect(run.stop).toBeGreaterThanOrEqual(run.start);
      expect(run.start).toBeGreaterThanOrEqual(since - 1);
    }
    // Memory comes with heartbeats (every 500 ms).
    await eventually(async () => {
      const s = await getJson<DashboardState>(endpoint(d, '/api/state'));
      return s.workers.every((w) => w.memory > 10_000_000) || undefined;
    }, 'both workers report their resident memory');
  });

  it('serves the page, redirects / to it, and answers unknown paths and methods clearly', async () => {
    const d = await dashboard({ address: 0 });
    const page = await get(endpoint(d, '/status'));
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<canvas id="task-stream"');
    expect(page.body).toContain('new EventSource(');
    // Self-contained: no external script, style or font.
    expect(page.body).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");

    const root = await get(endpoint(d, '/'));
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe(`status${new URL(d.url).search}`);
    expect((await get(endpoint(d, '/nope'))).status).toBe(404);
    const post = await fetch(endpoint(d, '/api/state'), { method: 'POST', signal: AbortSignal.timeout(5_000) });
    expect(post.status).toBe(405);
    expect(await post.text()).toContain('only answers GET');
    expect((await get(endpoint(d, '/api/task-stream', 'since=soon'))).status).toBe(400);
  });

  it('returns undefined for address false and rejects a malformed address', async () => {
    expect(await startDashboard(started.cluster.scheduler, { address: false })).toBeUndefined();
    await expect(startDashboard(started.cluster.scheduler, { address: 'localhost:port' })).rejects.toThrow(/dashboardAddress "localhost:port" is not a port/);
    await expect(startDashboard(started.cluster.scheduler, { address: 70000 })).rejects.toThrow(/0 to 65535.*70000/);
  });
});

describe('live updates', () => {
  it('serves the flame graph of the workers\' samples at /api/profile, checked and bounded', async () => {
    const d = await dashboard({ address: 0 });
    const burnForProfile = (n: number) => {
      let x = 0;
      for (let i = 0; i < n; i++) x = (x + i * 3) % 1_000_003;
      return x;
    };
    await started.client.gather(started.client.map(burnForProfile, [5_000_000, 5_000_001]));
    const graph = await getJson<FlameGraph>(endpoint(d, '/api/profile', 'group=burnForProfile'));
    expect(graph.workers.sort()).toEqual(['local-0', 'local-1']);
    expect(graph.nodes.name[0]).toBe('(all)');
    expect(graph.nodes.count[0]).toBe(graph.total);
    expect(graph.nodes.name.length).toBeLessThanOrEqual(2_000);
    for (const column of Object.values(graph.nodes)) expect(column).toHaveLength(graph.nodes.name.length);

    const badStart = await get(endpoint(d, '/api/profile', 'start=yesterday'));
    expect(badStart.status).toBe(400);
    expect(badStart.body).toMatch(/start must be milliseconds since the epoch, got "yesterday"; e\.g\. start=\d+/);
    // The fix the message gives works.
    const fixed = badStart.body.match(/start=(\d+)/)![1];
    expect((await get(endpoint(d, '/api/profile', `start=${fixed}`))).status).toBe(200);
    const longGroup = await get(endpoint(d, '/api/profile', `group=${'g'.repeat(500)}`));
    expect(longGroup.status).toBe(400);
    expect(longGroup.body).toContain('at most 200 characters');
  });

  it('sends a snapshot, then batched updates with the task runs; nothing listens per task once the page is gone', async () => {
    const scheduler = started.cluster.scheduler;
    const d = await dashboard({ address: 0, updateIntervalMs: 250 });
    const listenersBefore = scheduler.listenerCount('task-run');
    const stream = await openEventStream(endpoint(d, '/events'));
    try {
      const snapshot = JSON.parse((await stream.next((e) => e.event === 'snapshot')).data) as DashboardUpdate;
      expect(snapshot.workers).toHaveLength(2);
      await eventually(() => scheduler.listenerCount('task-run') > listenersBefore || undefined, 'the live feed listens for task runs');

      const cubeForStream = (x: number) => x * x * x;
      const futures = started.client.map(cubeForStream, Array.from({ length: 40 }, (_, i) => i));
      await started.client.gather(futures);
      const seen = new Set<string>();
      const times: number[] = [];
      while (seen.size < futures.length) {
        const update = JSON.parse((await stream.next((e) => e.event === 'update')).data) as DashboardUpdate;
        times.push(update.time);
        for (const run of update.runs) if (run.group === 'cubeForStream') seen.add(run.key);
        expect(times.length).toBeLessThan(200);
      }
      expect(seen).toEqual(new Set(futures.map((f) => f.key)));
      // Batched: consecutive updates are about one interval apart, not one per task.
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(150);
      const later = JSON.parse((await stream.next((e) => e.event === 'update')).data) as DashboardUpdate;
      expect(later.groups.find((g) => g.group === 'cubeForStream')?.finished).toBe(40);
      expect(later.figures.messagesPerSecond).toBeGreaterThanOrEqual(0);
    } finally {
      stream.close();
    }
    await eventually(() => scheduler.listenerCount('task-run') <= Math.max(listenersBefore, 1) || undefined,
      'the live feed stops listening when its last page leaves');
  });
});

describe('port collisions', () => {
  it('moves off a taken port to a free one and says where', async () => {
    const held = await occupy('127.0.0.1', 0);
    try {
      const lines: string[] = [];
      const d = await dashboard({ address: held.port, log: (line) => lines.push(line) });
      expect(d.port).not.toBe(held.port);
      expect(lines).toEqual([`port ${held.port} is in use (another dashboard?); the dashboard is at ${d.url}`]);
      expect(d.url).toContain(`http://127.0.0.1:${d.port}/status?token=`);
      expect((await get(endpoint(d, '/health'))).body).toBe('ok\n');
    } finally {
      await held.release();
    }
  });

  it('moves off the default port 8787 when another dashboard holds it', async () => {
    // Hold 8787 ourselves if we can: another test's dashboard may hold it now and let go at any moment.
    // If someone keeps it for the whole wait, it is just as taken.
    let held = await occupy('127.0.0.1', 8787);
    for (let attempt = 0; !held.heldByUs && attempt < 40; attempt++) {
      await new Promise((r) => setTimeout(r, 250));
      held = await occupy('127.0.0.1', 8787);
    }
    try {
      const lines: string[] = [];
      const d = await dashboard({ log: (line) => lines.push(line) });
      expect(d.port).not.toBe(8787);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('port 8787 is in use (another dashboard?); the dashboard is at http://127.0.0.1:');
      expect((await get(endpoint(d, '/health'))).status).toBe(200);
    } finally {
      await held.release();
    }
  });
});

describe('access token', () => {
  it('puts an unguessable token in the link and refuses requests without it', async () => {
    const d = await dashboard({ address: 0, host: '0.0.0.0' });
    const link = new URL(d.url);
    expect(link.hostname).not.toBe('0.0.0.0');
    expect(link.pathname).toBe('/status');
    const token = link.searchParams.get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const base = `http://127.0.0.1:${d.port}`;

    for (const path of ['/status', '/api/state', '/events', '/api/task-stream', '/']) {
      const refused = await get(`${base}${path}`);
      expect(refused.status, path).toBe(403);
      expect(refused.body).toContain('needs its access token');
    }
    expect((await get(`${base}/api/state?token=${token!.slice(0, -1)}x`)).status).toBe(403);
    expect((await get(`${base}/api/state?token=`)).status).toBe(403);
    const state = await get(`${base}/api/state?token=${token}`);
    expect(state.status).toBe(200);
    expect((JSON.parse(state.body) as DashboardState).workers).toHaveLength(2);
    expect((await get(`${base}/status?token=${token}`)).status).toBe(200);

    const other = await dashboard({ address: 0, host: '0.0.0.0' });
    expect(new URL(other.url).searchParams.get('token')).not.toBe(token);
  });

  it('needs the token on loopback too (other users of the machine reach loopback), but for /health', async () => {
    const d = await dashboard({ address: '127.0.0.1:0' });
    const token = new URL(d.url).searchParams.get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const path of ['/status', '/api/state', '/events', '/api/task-stream', '/']) {
      const refused = await get(`http://127.0.0.1:${d.port}${path}`);
      expect(refused.status, path).toBe(403);
      expect(refused.body).toContain('other users of this machine can reach it');
    }
    expect((await get(`http://127.0.0.1:${d.port}/api/state?token=${token}`)).status).toBe(200);
    expect((await get(`http://127.0.0.1:${d.port}/health`)).status).toBe(200);
  });
});
