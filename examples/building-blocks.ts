/**
 * The parts a cluster is made of, started by hand: a SchedulerServer, two WorkerNodes in this process
 * (what `flotilla-scheduler` and `flotilla-worker` run), and a client dialling the scheduler's
 * address. Then what the scheduler shows of them, retiring and removing workers, and closing.
 *
 * Run:  npm run build && node dist/examples/building-blocks.js
 */
import { Client, SchedulerServer, WorkerNode } from 'flotilla';

const scheduler = await SchedulerServer.start({ host: '127.0.0.1', port: 0 });
scheduler.dashboardLink = undefined; // no status page here (a dashboard sets it)
const joined: string[] = [];
scheduler.on('worker-added', (worker) => joined.push(worker.name));
console.log(`scheduler ${scheduler.id.startsWith('scheduler-')} at ${scheduler.address.replace(/:\d+$/, ':<port>')}, heartbeats every ${scheduler.heartbeatMs} ms`);

const workers = await Promise.all(['left', 'right'].map((name) => WorkerNode.start({ scheduler: scheduler.address, name, nthreads: 1 })));
await Promise.all(workers.map((worker) => worker.registered));
for (const worker of workers) {
  console.log(`worker ${worker.name}: serves data at ${worker.address.startsWith('tcp://') ? 'a tcp address' : worker.address}, files in ${worker.localDirectory.includes(worker.name) ? 'its own directory' : worker.localDirectory}, log ${worker.logFile ? 'in a file' : 'nowhere'}`);
}

const client = await Client.connect(scheduler.address);
try {
  await client.waitForWorkers(2, { timeoutMs: 30_000 });
  scheduler.taskRuns(); // the scheduler records task runs from the first call on
  const sums = client.map((n: number) => n * (n + 1) / 2, [10, 100]);
  console.log(`sums: ${(await client.gather(sums)).join(', ')}; joined: ${joined.sort().join(', ')}`);
  console.log(`scheduler: ${scheduler.workerCount} workers (${scheduler.workerSummaries().map((w) => w.name).sort().join(', ')}), ${scheduler.view.tasks.size} tasks, ${scheduler.taskRuns().filter((run) => run.group !== 'transfer').length} task runs recorded`);
  const profile = await scheduler.profile({ timeline: false }, ['left']);
  console.log(`profile of left: ${Object.keys(profile).length > 0 ? 'collected' : 'empty'}`);

  // Retire one gracefully (its results move to the other), remove the other as a cluster does when its process died.
  await scheduler.retireWorkers(['left'], 'not needed');
  console.log(`after retiring left: ${scheduler.workerCount} worker(s); left says: ${await workers[0]!.closed}; its failure: ${workers[0]!.failure ?? 'none'}`);
  console.log(`sums still there: ${(await client.gather(sums)).join(', ')}`);
  scheduler.removeWorkerByName('right', 'its process is gone (here: told so by hand)');
  console.log(`after removing right: ${scheduler.workerCount} worker(s); the end of its log is kept: ${Array.isArray(workers[1]!.logTail)}`);
  workers[1]!.log.info('closing by hand');
  await workers[1]!.close('example done');
} finally {
  await client.close();
  await Promise.all(workers.map((worker) => worker.close()));
  await scheduler.close();
}
