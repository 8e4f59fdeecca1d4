/** The fields a Client prints (`console.log(client)`, a notebook cell), as Dask's `<Client: … threads=… memory=…>`. */
import type { ClusterHandle } from '../cluster/cluster-handle.js';
import { formatBytes } from '../util/inspect-summary.js';

export function clientFields(address: string, workerCount: number, cluster: ClusterHandle | undefined, closed: boolean): Record<string, unknown> {
  // A cluster whose scheduler runs in this process knows its workers' threads and memory; over the network
  // the client knows only how many workers there are (client.schedulerInfo() asks for the rest).
  const totals = closed ? undefined : cluster?.workerTotals?.();
  return {
    scheduler: address,
    status: closed ? 'closed' : 'connected',
    workers: closed ? undefined : (totals?.workers ?? workerCount),
    threads: totals?.threads,
    memory: totals ? formatBytes(totals.memory) : undefined,
    dashboard: closed ? undefined : cluster?.dashboardLink,
  };
}
