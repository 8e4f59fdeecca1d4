/**
 * The scheduler's side of the `--scale` bench, in its own process (started by scale.ts with
 * `--expose-gc`): a LocalCluster of 2 workers × 1 thread whose scheduler lives here, so this process's
 * heap and event loop are the scheduler's alone. The bench's client connects from the parent process.
 *
 * It answers the parent over the IPC channel:
 * - `{ op: 'heap' }` → `{ heapUsed }` after a full garbage collection;
 * - `{ op: 'delay-reset' }` → `{}`; `{ op: 'delay' }` → `{ maxMs }`: the longest event-loop turn since the reset;
 * - `{ op: 'tasks' }` → `{ tasks, idle }`: tasks the scheduler holds now, and whether it has work left for later turns;
 * - `{ op: 'counts' }` → `{ counts }`: tasks by state (a pass over every task: slow at a million);
 * - `{ op: 'close' }` → closes the cluster and exits.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { LocalCluster } from '../../src/index.js';
import type { HostReply, HostRequest } from './host-protocol.js';

const gc = (globalThis as { gc?: () => void }).gc;

function send(message: HostReply): void {
  process.send!(message);
}

const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1 });
await cluster.ready;
const scheduler = cluster.scheduler;
// Resolution 10 ms: the figure that matters is the longest block, far above the timer's own jitter.
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
// Garbage collection pauses, to tell a long turn of our own from the collector's.
// By kind: a young-generation scavenge (minor) or a full mark-compact (major, and its incremental steps).
let longestGcMs = 0;
let gcByKind: Record<string, number> = {};
const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'major', 8: 'incremental', 16: 'weakcb' };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    longestGcMs = Math.max(longestGcMs, entry.duration);
    const kind = GC_KINDS[((entry as { detail?: { kind?: number } }).detail)?.kind ?? 0] ?? 'other';
    gcByKind[kind] = Math.max(gcByKind[kind] ?? 0, Math.round(entry.duration));
  }
}).observe({ entryTypes: ['gc'] });
send({ op: 'ready', address: cluster.schedulerAddress, workerPids: cluster.workerPids });

process.on('message', (raw: HostRequest) => {
  switch (raw.op) {
    case 'heap':
      // One full collection: three of them at a million tasks blocked this process past the worker TTL
      // (10 s) on a loaded machine, and the workers were timed out at the start of the drain.
      gc?.();
      {
        const heapUsed = process.memoryUsage().heapUsed;
        // Answered once the delay monitor's timer has fired after the collections: the next phase's reset
        // then clears their block, which is the bench's own, not the scheduler's.
        setTimeout(() => send({ op: 'heap', heapUsed, gcExposed: gc !== undefined }), 30);
      }
      break;
    case 'delay-reset':
      delay.reset();
      longestGcMs = 0;
      gcByKind = {};
      send({ op: 'delay-reset' });
      break;
    case 'delay':
      send({ op: 'delay', maxMs: delay.max / 1e6, longestGcMs, gcByKind, slices: scheduler.view.slices() });
      break;
    case 'tasks':
      send({ op: 'tasks', tasks: scheduler.view.tasks.size, idle: !scheduler.view.hasPendingWork });
      break;
    case 'counts':
      send({ op: 'counts', counts: scheduler.view.countsByState() });
      break;
    case 'close':
      delay.disable();
      void cluster.close().finally(() => process.exit(0));
      break;
  }
});
// The parent went away: do not outlive it.
process.on('disconnect', () => void cluster.close().finally(() => process.exit(0)));
