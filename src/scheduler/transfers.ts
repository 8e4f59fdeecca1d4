/**
 * Moves of results in the task stream (Dask's `transfer-…` entries): what a worker fetched from a
 * peer, what a client fetched from a worker, what the scheduler relayed to a client, and the small
 * results that ride to the waiting clients inside the completion report. Emitted as
 * `task-run` events only while someone records the stream, so an unwatched scheduler pays nothing.
 */
import type { TaskFinishedReport, TaskRunRecord, TransferReport } from '../protocol/messages.js';
import { wireBytes } from '../protocol/wire-size.js';
import type { SchedulerContext } from './context.js';
import type { WorkerRecord } from './state/types.js';

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

/**
 * Records the small results in `reports` that travel inline, from `worker` through the scheduler to
 * the clients waiting for them: one record per client for the whole message, from the earliest end of
 * those tasks to now (when the scheduler forwards them). Call before the reports are applied: only a
 * task still processing on `worker` is forwarded.
 */
export function recordInlineResults(core: SchedulerContext, worker: WorkerRecord, reports: readonly TaskFinishedReport[]): void {
  if (core.events.listenerCount('task-run') === 0) return;
  let byClient: Map<string, { keys: string[]; nbytes: number; start: number }> | undefined;
  for (const r of reports) {
    if (!r.value) continue;
    const task = core.state.tasks.get(r.key);
    if (!task || task.state !== 'processing' || task.processingOn !== worker || task.wantedBy.size === 0) continue;
    const bytes = wireBytes(r.value);
    const end = r.start + r.duration / 1000;
    for (const client of task.wantedBy) {
      byClient ??= new Map();
      const entry = byClient.get(client.id);
      if (entry) {
        entry.keys.push(r.key);
        entry.nbytes += bytes;
        entry.start = Math.min(entry.start, end);
      } else byClient.set(client.id, { keys: [r.key], nbytes: bytes, start: end });
    }
  }
  if (!byClient) return;
  const now = Date.now();
  for (const [client, moved] of byClient) {
    core.events.emit('task-run', transferRecord(moved.keys, worker.id, `client ${client}`, worker.id, moved.start, now, moved.nbytes));
  }
}
