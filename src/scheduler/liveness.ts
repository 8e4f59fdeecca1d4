/**
 * The scheduler's liveness check, run every heartbeat interval: a worker not heard from for
 * `workerTtlMs` is removed (its tasks are rescheduled), a client silent for `clientTtlMs` is let go
 * with its futures, and the notices kept per peer are pruned.
 */
import type { Logger } from '../util/logger.js';
import type { PeerNotices } from './peer-notices.js';
import type { Peers } from './peers.js';
import type { SchedulerState } from './state/scheduler-state.js';

/** What the check reads and acts through. */
export interface LivenessParts {
  readonly state: Pick<SchedulerState, 'workers' | 'clients'>;
  readonly peers: Pick<Peers, 'removeWorker' | 'removeClient'>;
  readonly notices: Pick<PeerNotices, 'prune'>;
  readonly log: Logger;
  /** Time-outs, in milliseconds. */
  readonly workerTtlMs: number;
  readonly clientTtlMs: number;
  flush(): void;
}

/** Removes the workers and clients silent for longer than their time-out at `now` (ms since the epoch). */
export function checkLiveness(parts: LivenessParts, now: number): void {
  const { state, peers, workerTtlMs, clientTtlMs } = parts;
  parts.notices.prune(now);
  for (const worker of [...state.workers.values()]) {
    if (now - worker.lastSeen > workerTtlMs) {
      peers.removeWorker(worker.peer, `no heartbeat for ${Math.round((now - worker.lastSeen) / 1000)} s (worker TTL ${workerTtlMs} ms)`);
    }
  }
  for (const client of [...state.clients.values()]) {
    if (now - client.lastSeen > clientTtlMs) {
      parts.log.warn(`client ${client.id} silent for ${clientTtlMs} ms: releasing its futures`);
      peers.removeClient(client);
    }
  }
  parts.flush();
}
