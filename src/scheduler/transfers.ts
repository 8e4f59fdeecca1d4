/**
 * Moves of results in the task stream (Dask's `transfer-…` entries): what a worker fetched from a
 * peer, what a client fetched from a worker, and what the scheduler relayed to a client. Emitted as
 * `task-run` events only while someone records the stream, so an unwatched scheduler pays nothing.
 */
import type { TaskRunRecord, TransferReport } from '../protocol/messages.js';
import type { SchedulerContext } from './context.js';

/** The task-stream record of one move; drawn on `row`'s worker. */
export function transferRecord(keys: string[], source: string, destination: string, row: string, start: number, stop: number, nbytes: number): TaskRunRecord {
  return {
    key: `transfer-${keys[0] ?? ''}`, group: 'transfer', worker: row, thread: -1, start, stop: Math.max(start, stop),
    status: 'memory', nbytes, transfer: 0, kind: 'transfer', source, destination, keys,
  };
}

/**
 * Records the moves `reports` describe, received by `destination` (a worker id, or `client <id>`);
 * `toWorker` says whether the destination is a worker (then the row is its own, else the source's).
 */
export function recordTransfers(core: SchedulerContext, reports: TransferReport[], destination: string, toWorker: boolean): void {
  if (core.events.listenerCount('task-run') === 0) return;
  const byAddress = new Map<string, string>();
  for (const worker of core.state.workers.values()) byAddress.set(worker.info.address, worker.id);
  for (const r of reports) {
    const source = byAddress.get(r.source) ?? r.source;
    core.events.emit('task-run', transferRecord(r.keys, source, destination, toWorker ? destination : source, r.start, r.stop, r.nbytes));
  }
}
