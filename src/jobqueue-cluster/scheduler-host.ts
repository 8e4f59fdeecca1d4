/**
 * Which address the scheduler listens on, so that workers on compute nodes can reach it: `host` if
 * given, else the IPv4 address of `interface`, else the first non-loopback IPv4 address of this machine.
 * Login and compute nodes often share only some networks (e.g. `ib0`): that is what `interface` is for.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { ConfigurationError } from '../errors/index.js';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

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
  if (options.interface !== undefined) {
    const address = (interfaces[options.interface] ?? []).find((entry) => entry.family === 'IPv4')?.address;
    if (address === undefined) {
      throw new ConfigurationError(
        `interface ${JSON.stringify(options.interface)} ${interfaces[options.interface] ? 'has no IPv4 address' : 'does not exist on this machine'}. ` +
          `Interfaces with an IPv4 address here: ${describeInterfaces(interfaces) || 'none'}.`,
      );
    }
    return address;
  }
  for (const entries of Object.values(interfaces)) {
    const external = (entries ?? []).find((entry) => entry.family === 'IPv4' && !entry.internal);
    if (external !== undefined) return external.address;
  }
  return '127.0.0.1';
}

function describeInterfaces(interfaces: Interfaces): string {
  return Object.entries(interfaces)
    .flatMap(([name, entries]) => (entries ?? []).filter((e) => e.family === 'IPv4').map((e) => `${name} (${e.address})`))
    .join(', ');
}
