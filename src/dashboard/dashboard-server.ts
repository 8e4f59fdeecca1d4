/**
 * The dashboard's HTTP server, run by the scheduler's process: the status page, its event stream and
 * JSON endpoints. Node's `http` only. Nothing here runs per task unless a page is open (see LiveFeed).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ConfigurationError } from '../errors/index.js';
import type { SchedulerServer } from '../scheduler/server.js';
import { AccessToken } from './access.js';
import { hostOfSchedulerAddress, isLoopbackHost, linkHost, parseDashboardAddress } from './address.js';
import { FiguresMeter } from './figures.js';
import { listenWithFallback } from './listen.js';
import { LiveFeed } from './live-feed.js';
import type { Dashboard, DashboardOptions } from './options.js';
import { statusPageHtml } from './page/status-page.js';
import { ProfileEndpoint, parseProfileQuery } from './profile-endpoint.js';
import { groupProgress, workerRows, type DashboardState, type JobView } from './snapshot.js';

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // The link may carry the token: never hand it to another site.
  'referrer-policy': 'no-referrer',
};
// Inline script and style only; the page fetches nothing but its own event stream and JSON.
const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:";

/**
 * Starts the dashboard of `scheduler`: `/status` (the page), `/events` (server-sent updates),
 * `/api/state`, `/api/task-stream?since=MS` and `/api/profile?group=G&start=MS&stop=MS` (JSON; the
 * flame graph of the workers' samples, at most 2000 boxes), `/health`.
 *
 * It listens on the scheduler's host at port 8787 unless told otherwise, and moves to a free port with a
 * notice when that port is taken. The link carries `?token=…` and every request without that token gets
 * 403 (but `/health`): on a shared login node any local user can reach a loopback port.
 *
 * @returns the running dashboard, or `undefined` when `options.address` is `false`
 * @throws ConfigurationError for a malformed address or interval
 * @throws Error from `listen` when the host cannot be bound (other than the port being taken)
 * @example
 * const dashboard = await startDashboard(cluster.scheduler, { address: ':8787' });
 * console.log(`dashboard at ${dashboard?.url}`);
 */
export async function startDashboard(scheduler: SchedulerServer, options: DashboardOptions = {}): Promise<Dashboard | undefined> {
  if (options.address === false) return undefined;
  const listenAt = parseDashboardAddress(options.address);
  const intervalMs = positive('updateIntervalMs', options.updateIntervalMs ?? 250, 50);
  const historyMs = positive('historyMs', options.historyMs ?? 300_000, 1_000);
  const log = options.log ?? ((line: string) => scheduler.log.warn(line));
  const host = listenAt.host ?? options.host ?? hostOfSchedulerAddress(scheduler.address);
  const token = new AccessToken();

  const meter = new FiguresMeter();
  const jobs = jobsReader(options.jobs, log);
  const state = (): DashboardState => {
    const byGroup = scheduler.view.progressByGroup();
    let done = 0;
    for (const entry of Object.values(byGroup)) done += entry.finished + entry.erred;
    const time = Date.now();
    const jobList = jobs();
    return {
      time,
      schedulerAddress: scheduler.address,
      workers: workerRows(scheduler.workerSummaries(), jobList),
      groups: groupProgress(byGroup),
      tasksByState: scheduler.view.countsByState(),
      figures: meter.sample(time, done, scheduler.view.messagesIn + scheduler.view.messagesOut),
      jobs: [...jobList],
    };
  };
  const feed = new LiveFeed(scheduler, meter, { intervalMs, historyMs, state });
  const page = statusPageHtml(historyMs);
  const profiles = new ProfileEndpoint(scheduler);

  const routes: Record<string, (url: URL, response: ServerResponse) => void> = {
    '/': (url, response) => {
      response.writeHead(302, { ...COMMON_HEADERS, location: `status${url.search}` });
      response.end();
    },
    '/status': (_url, response) => send(response, 200, 'text/html; charset=utf-8', page, { 'content-security-policy': PAGE_CSP }),
    '/events': (_url, response) => feed.add(response),
    '/api/state': (_url, response) => sendJson(response, state()),
    '/api/task-stream': (url, response) => {
      const since = Number(url.searchParams.get('since') ?? 0);
      if (!Number.isFinite(since)) {
        send(response, 400, 'text/plain; charset=utf-8', `since must be milliseconds since the epoch, got ${JSON.stringify(url.searchParams.get('since'))}\n`);
        return;
      }
      sendJson(response, scheduler.taskRuns(since));
    },
    '/api/profile': (url, response) => {
      let query;
      try {
        query = parseProfileQuery(url.searchParams, Date.now(), historyMs);
      } catch (error) {
        send(response, 400, 'text/plain; charset=utf-8', `${(error as Error).message}\n`);
        return;
      }
      const graph = profiles.graph(query);
      if (!graph) {
        send(response, 503, 'text/plain; charset=utf-8', 'the scheduler is collecting other profiles; try again in a second\n', { 'retry-after': '1' });
        return;
      }
      graph.then((value) => sendJson(response, value), (error: unknown) => {
        log(`dashboard: /api/profile failed: ${(error as Error).stack ?? String(error)}`);
        if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', `500: ${(error as Error).message}\n`);
      });
    },
    '/health': (_url, response) => send(response, 200, 'text/plain; charset=utf-8', 'ok\n'),
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    if (url.pathname !== '/health' && !token.matches(url.searchParams.get('token'))) {
      send(response, 403, 'text/plain; charset=utf-8',
        `403 Forbidden: this dashboard needs its access token (${isLoopbackHost(host) ? 'other users of this machine can reach it' : 'it is reachable from other machines'}). ` +
        'Open the link the scheduler printed (it ends in /status?token=...), or read client.dashboardLink.\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain; charset=utf-8', `405: the dashboard only answers GET, got ${request.method}\n`, { allow: 'GET, HEAD' });
      return;
    }
    const route = routes[url.pathname];
    if (!route) {
      send(response, 404, 'text/plain; charset=utf-8', `404: no page ${url.pathname}; the dashboard is at /status\n`);
      return;
    }
    try {
      route(url, response);
    } catch (error) {
      log(`dashboard: ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', `500: ${(error as Error).message}\n`);
      else response.destroy();
    }
  });
  // A page's event stream is open for as long as the page is: never time it out.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;

  const bound = await listenWithFallback(server, host, listenAt.port);
  const url = `http://${linkHost(host)}:${bound.port}/status?token=${token.value}`;
  if (bound.movedFrom !== undefined) {
    log(`port ${bound.movedFrom} is in use (another dashboard?); the dashboard is at ${url}`);
  }

  // Clients that connect by address learn the link from the scheduler's welcome.
  scheduler.dashboardLink = url;
  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound.port,
    close: () => (closing ??= new Promise<void>((resolve) => {
      if (scheduler.dashboardLink === url) scheduler.dashboardLink = undefined;
      feed.close();
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}

function send(response: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { ...COMMON_HEADERS, ...extra, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

function sendJson(response: ServerResponse, value: unknown): void {
  send(response, 200, 'application/json; charset=utf-8', JSON.stringify(value));
}

function positive(name: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ConfigurationError(`dashboard option ${name} must be a number of milliseconds >= ${min}, got ${String(value)} (${typeof value})`);
  }
  return value;
}

/** Reads the job list, so that a failing job-queue provider costs the dashboard a column, not its updates. */
function jobsReader(provider: (() => readonly JobView[]) | undefined, log: (line: string) => void): () => readonly JobView[] {
  if (!provider) return () => [];
  let warned = false;
  return () => {
    try {
      return provider();
    } catch (error) {
      if (!warned) log(`dashboard: reading the job list failed (shown without jobs): ${(error as Error).message}`);
      warned = true;
      return [];
    }
  };
}
