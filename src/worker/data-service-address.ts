/**
 * Where a worker's data service (the socket peers fetch its results from) binds. A scheduler at an
 * `ipc://` address (a LocalCluster's, in its private directory) gets its workers' services in the same
 * directory, reachable by the same user only; otherwise a TCP port on the worker's host.
 */
import { hostname } from 'node:os';
import { shortId } from '../util/ids.js';

/** What binding needs of the data service's socket: `RouterEndpoint` is one. */
export interface Bindable {
  /** Binds to `address` and returns the address it ended up on (the port the OS chose). */
  bind(address: string): Promise<string>;
}

/**
 * Binds `server` next to the scheduler at `scheduler` and returns the address peers reach it at.
 * `host` is the worker's `host` option: a name or IP to bind and advertise instead.
 */
export async function bindDataService(server: Bindable, scheduler: string, host: string | undefined): Promise<string> {
  const directory = ipcDirectory(scheduler);
  if (directory && !host) return server.bind(`ipc://${directory}/w-${shortId()}`);
  const advertised = host ?? (isLoopbackAddress(scheduler) ? '127.0.0.1' : hostname());
  const bindHost = /^[\d.]+$/.test(advertised) || advertised === 'localhost' ? advertised : '*';
  const bound = await server.bind(`tcp://${bindHost === 'localhost' ? '127.0.0.1' : bindHost}:0`);
  return bindHost === '*' ? bound.replace('0.0.0.0', advertised).replace('*', advertised) : bound;
}

/** The directory of an `ipc://` address, else undefined. */
function ipcDirectory(address: string): string | undefined {
  if (!address.startsWith('ipc://')) return undefined;
  const path = address.slice('ipc://'.length);
  const slash = path.lastIndexOf('/');
  return slash > 0 ? path.slice(0, slash) : undefined;
}

function isLoopbackAddress(address: string): boolean {
  return /^tcp:\/\/(127\.|localhost|\[::1\])/.test(address);
}
