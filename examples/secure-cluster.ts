/**
 * Who can connect to a cluster. A default LocalCluster listens on Unix sockets in a private directory
 * (only you can connect); given a host it listens on TCP and requires its own CURVE keys. A client
 * without them gets an AuthenticationError at once; `Client.connect(cluster)` or `{ security }` brings them.
 *
 * Run: `npm run build && node dist/examples/secure-cluster.js`
 */
import { AuthenticationError, Client, LocalCluster } from '../src/index.js';

const local = new LocalCluster({ nWorkers: 1, dashboardAddress: false });
await local.ready;
console.log(`default LocalCluster: ${local.schedulerAddress.startsWith('ipc://') ? 'a Unix socket in a 0700 directory' : local.schedulerAddress}`);
await local.close();

const networked = new LocalCluster({ nWorkers: 1, host: '127.0.0.1', dashboardAddress: false });
try {
  await networked.ready;
  console.log(`with host 127.0.0.1: ${networked.schedulerAddress}, CURVE keys: ${networked.security ? 'yes' : 'no'}`);
  try {
    const stranger = await Client.connect(networked.schedulerAddress, { timeoutMs: 5_000 });
    await stranger.close();
    console.log('a client without keys got in (it should not have)');
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    console.log(`a client without keys: ${error.name}: ${error.message.split('. ')[0]}`);
  }
  const client = await Client.connect(networked.schedulerAddress, { security: networked.security!, timeoutMs: 10_000 });
  console.log(`with the cluster's keys: 6 × 7 = ${await client.submit((a: number, b: number) => a * b, 6, 7)}`);
  await client.close();
} finally {
  await networked.close();
}
