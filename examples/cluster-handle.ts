/**
 * Your own cluster object: `Client.connect` takes anything shaped like a ClusterHandle. Here a
 * SchedulerServer and a WorkerNode run in this process, wrapped in a handle whose `openLocalLink`
 * hands the client a link straight into the scheduler (messages pass as objects, with no socket and
 * no encoding), as LocalCluster and the job-queue clusters do for a client in their own process.
 *
 * Run:  npm run build && node dist/examples/cluster-handle.js
 */
import { Client, SchedulerServer, WorkerNode, type ClusterHandle } from 'flotilla';

const scheduler = await SchedulerServer.start({ host: '127.0.0.1', port: 0 });
scheduler.dashboardLink = undefined; // no status page here
const worker = await WorkerNode.start({ scheduler: scheduler.address, name: 'only', nthreads: 2 });
let linksOpened = 0;
const handle: ClusterHandle = {
  ready: worker.registered,
  schedulerAddress: scheduler.address,
  describeWorkers: () => `the handle runs 1 worker, ${scheduler.workerCount} registered`,
  openLocalLink: (routingId) => {
    linksOpened++;
    return scheduler.openLocalLink(routingId);
  },
  close: async () => {
    await worker.close('the handle closed');
    await scheduler.close();
  },
};

const client = await Client.connect(handle);
try {
  await client.waitForWorkers(1, { timeoutMs: 30_000 });
  const squares = await client.gather(client.map((n: number) => n * n, [1, 2, 3, 4]));
  console.log(`squares ${squares.join(', ')} through ${linksOpened} local link; the worker still dialled ${scheduler.address.startsWith('tcp://127.0.0.1:') ? 'tcp' : scheduler.address}`);
  const late = await client.waitForWorkers(2, { timeoutMs: 100 }).then(() => 'no time-out', (error: Error) => error.message);
  console.log(`a time-out names what the handle says: ${late.includes('the handle runs 1 worker, 1 registered')}`);
} finally {
  await client.close();
  await handle.close();
}
