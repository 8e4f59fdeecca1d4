/**
 * Which address the scheduler listens on, so that workers on compute nodes can reach it: `host` if
 * given, else the IPv4 address of `interface`, else the first non-loopback IPv4 address of this machine.
 * Login and compute nodes often share only some networks (e.g. `ib0`): that is what `interface` is for.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ConfigurationError } from '../errors/index.js';
import { interfaceAddress, type Interfaces } from '../util/interface-address.js';

/**
 * The IP address to bind the scheduler to.
 * @param options - `host` (a name or IP, wins) and `interface` (a network interface name).
 * @throws ConfigurationError when the interface does not exist or has no IPv4 address (listing those
 * that do), or when `host` does not resolve.
 */
export async function schedulerListenAddress(
  options: { readonly host?: string | undefined; readonly interface?: string | undefined },
  interfaces: Interfaces = networkInterfaces(),
): Promise<string> {
  if (options.host !== undefined) {
    if (isIP(options.host) !== 0) return options.host;
    try {
      return (await lookup(options.host, { family: 4 })).address;
    } catch (error) {
      throw new ConfigurationError(
        `host ${JSON.stringify(options.host)} does not resolve to an IPv4 address (${(error as Error).message}). ` +
          `Give an IP address, or an interface instead (e.g. interface: 'ib0').`,
        { cause: error },
      );
    }
  }
  if (options.interface !== undefined) return interfaceAddress(options.interface, 'interface', interfaces);
  for (const entries of Object.values(interfaces)) {
    const external = (entries ?? []).find((entry) => entry.family === 'IPv4' && !entry.internal);
    if (external !== undefined) return external.address;
  }
  return '127.0.0.1';
}
