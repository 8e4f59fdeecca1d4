/**
 * The IPv4 address of a network interface by name (`ib0`, `eth1`), for the scheduler's listening
 * address on the login node and each worker's on its compute node.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { ConfigurationError } from '../errors/index.js';

/** Network interfaces as `os.networkInterfaces()` returns them. */
export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * The first IPv4 address of interface `name`.
 * @param what - names the setting in the message, e.g. `'interface'` or `'--interface'`.
 * @throws ConfigurationError when the interface does not exist or has no IPv4 address, listing those that do.
 */
export function interfaceAddress(name: string, what = 'interface', interfaces: Interfaces = networkInterfaces()): string {
  const address = (interfaces[name] ?? []).find((entry) => entry.family === 'IPv4')?.address;
  if (address !== undefined) return address;
  throw new ConfigurationError(
    `${what} ${JSON.stringify(name)} ${interfaces[name] ? 'has no IPv4 address' : 'does not exist on this machine'}. ` +
      `Interfaces with an IPv4 address here: ${describeInterfaces(interfaces) || 'none'}.`,
  );
}

function describeInterfaces(interfaces: Interfaces): string {
  return Object.entries(interfaces)
    .flatMap(([name, entries]) => (entries ?? []).filter((e) => e.family === 'IPv4').map((e) => `${name} (${e.address})`))
    .join(', ');
}
