/**
 * `getClient()` and `secede()` for code running inside a task: Dask's `get_client` / `worker_client`
 * and `secede`. A task thread holds one Client, connected to the scheduler as its worker is, shared by
 * the tasks that thread runs; outside a worker, getClient() returns the client last connected here.
 */
import { FlotillaError } from '../errors/index.js';
import { taskContext, threadSockets, workerClientInfo } from '../worker/task-context.js';
import { Client } from './client.js';

let threadClient: Promise<Client> | undefined;

/** Options of `getClient`. */
export interface GetClientOptions {
  /**
   * Give up the calling task's thread first (see {@link secede}), so the tasks it submits and waits for
   * can run even on a cluster of one thread. False keeps the thread, for a task that only submits.
   * @defaultValue true
   */
  secede?: boolean;
}

/**
 * Inside a task: a Client connected to the cluster, so the task can submit tasks, wait on them, and
 * use Lock, Event, Queue, Variable and datasets. The calling task first gives up its thread (as Dask's
 * `worker_client` does), so a task waiting on its subtasks never deadlocks a worker with one thread:
 * the thread runs the subtasks while the task waits. Do not close this client; it lives as long as the
 * task thread. Outside a task it returns a client already connected in this process.
 * @throws FlotillaError outside a task when no client is connected in this process.
 * @example
 * client.submit(async (n: number) => {
 *   const { getClient } = await import('flotilla');
 *   const inner = await getClient();
 *   return (await inner.gather(inner.map((i: number) => i * i, Array.from({ length: n }, (_, i) => i)))).reduce((a, b) => a + b, 0);
 * }, 10);
 */
export async function getClient(options: GetClientOptions = {}): Promise<Client> {
  const info = workerClientInfo();
  if (!info) {
    const current = Client.current();
    if (current) return current;
    throw new FlotillaError('getClient() found no client: inside a task it connects to the cluster itself; outside one, connect first with Client.connect()');
  }
  if (options.secede ?? true) secede();
  if (!threadClient) {
    threadSockets.opened();
    threadClient = Client.connect({
      ready: Promise.resolve(),
      schedulerAddress: info.scheduler,
      ...(info.security ? { security: info.security } : {}),
      close: async () => {},
    });
    const connecting = threadClient;
    threadSockets.closers.push(async () => {
      const client = await connecting.catch(() => undefined);
      await client?.close();
    });
  }
  // A failed connection is not kept: the next call tries again.
  threadClient.catch(() => (threadClient = undefined));
  return threadClient;
}

/**
 * Inside a task: gives up the task's thread, as Dask's `secede`: the worker starts its next task on that
 * thread while this one goes on, and the task no longer counts against the worker's threads. Use it
 * before a long wait on something flotilla does not see (a file, a child process, a remote service);
 * waits on a Queue, Lock or Event, and `getClient()`, secede by themselves. A no-op outside a task.
 * flotilla has no `rejoin`: after its wait the task simply shares the thread with the one running there
 * (JavaScript interleaves at each `await`), which can slow that task but never deadlocks.
 * @example
 * ```ts
 * client.submit(async (file: string) => {
 *   const { secede } = await import('flotilla');
 *   secede(); // the worker may run the task that writes `file` on this thread meanwhile
 *   while (!(await import('node:fs')).existsSync(file)) await new Promise((r) => setTimeout(r, 50));
 * }, '/shared/ready');
 * ```
 * (examples/secede.ts)
 */
export function secede(): void {
  taskContext.getStore()?.secede();
}
