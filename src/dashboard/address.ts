/**
 * Where the dashboard listens and how its link reads: parsing the `dashboardAddress` option, telling
 * loopback hosts from the others (only the latter need a token), and choosing a host name for the link
 * when the server listens on every interface.
 */
import { networkInterfaces, hostname } from 'node:os';
import { isIP } from 'node:net';
import { ConfigurationError } from '../errors/index.js';

/** The port Dask users expect; the dashboard moves elsewhere when it is taken. */
export const DEFAULT_DASHBOARD_PORT = 8787;

/** A parsed `dashboardAddress`: the host is absent when the option named only a port. */
export interface ListenAddress {
  host?: string;
  port: number;
}

const EXAMPLES = "8787, ':8787', '127.0.0.1:8787', 'node12:0' or false";

/**
 * Parses a `dashboardAddress` option: a port number, `':PORT'`, `'PORT'`, `'HOST:PORT'`, `'[IPv6]:PORT'`,
 * or any of these behind `http://`. `undefined` means the default port.
 *
 * @throws ConfigurationError when the value is none of these, naming what was received.
 * @example
 * ```ts
 * parseDashboardAddress('127.0.0.1:8787'); // { host: '127.0.0.1', port: 8787 }
 * parseDashboardAddress(':0');             // { port: 0 }: a port the OS chooses
 * ```
 */
export function parseDashboardAddress(address: string | number | undefined): ListenAddress {
  if (address === undefined) return { port: DEFAULT_DASHBOARD_PORT };
  if (typeof address === 'number') return { port: checkPort(address, address) };
  if (typeof address !== 'string') {
    throw new ConfigurationError(`dashboardAddress must be a port number, a 'host:port' string or false, got ${describe(address)}; for example ${EXAMPLES}`);
  }
  const text = address.trim().replace(/^http:\/\//i, '').replace(/\/+$/, '');
  if (/^\d+$/.test(text)) return { port: checkPort(Number(text), address) };
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]*)):(\d+)$/.exec(text);
  if (!match) {
    throw new ConfigurationError(`dashboardAddress ${JSON.stringify(address)} is not a port or 'host:port'; use for example ${EXAMPLES}`);
  }
  const host = match[1] ?? match[2];
  const port = checkPort(Number(match[3]), address);
  return host ? { host, port } : { port };
}

function checkPort(port: number, received: unknown): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigurationError(`dashboardAddress port must be a whole number from 0 to 65535 (0: any free port), got ${describe(received)}`);
  }
  return port;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `${String(value)} (${typeof value})`;
}

/** The host of a `tcp://host:port` scheduler address (`*` means every interface). */
export function hostOfSchedulerAddress(address: string): string {
  const match = /^[a-z]+:\/\/(?:\[([^\]]+)\]|([^:/]+))(?::\d+)?/i.exec(address);
  const host = match?.[1] ?? match?.[2];
  if (!host) return '127.0.0.1';
  return host === '*' ? '0.0.0.0' : host;
}

/** True for hosts only this machine can reach: `localhost`, 127.0.0.0/8, `::1` and their IPv4-mapped forms. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** True for the wildcard addresses that mean "listen on every interface". */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/**
 * The host to print in the dashboard's link. A wildcard bind is reachable from other machines through
 * the first external IPv4 address (what a user on a login node can type), else through the host name.
 */
export function linkHost(boundHost: string): string {
  if (!isWildcardHost(boundHost)) return isIP(boundHost) === 6 ? `[${boundHost}]` : boundHost;
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (external) return external.address;
  }
  return hostname();
}

/**
 * The dashboard address used when a cluster or `flotilla-scheduler` is given none:
 * `FLOTILLA_DASHBOARD_ADDRESS` (`false` turns dashboards off, e.g. on a node where nobody looks),
 * else port 8787.
 */
export function defaultDashboardAddress(env: NodeJS.ProcessEnv = process.env): string | number | false {
  const configured = env.FLOTILLA_DASHBOARD_ADDRESS?.trim();
  if (!configured) return DEFAULT_DASHBOARD_PORT;
  if (configured.toLowerCase() === 'false') return false;
  parseDashboardAddress(configured);
  return configured;
}
