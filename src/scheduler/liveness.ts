/**
 * The scheduler's liveness check, run every heartbeat interval: a worker not heard from for
 * `workerTtlMs` is removed (its tasks are rescheduled), a client silent for `clientTtlMs` is let go
 * with its futures, and the notices kept per peer are pruned.
 *
 * Silence is counted only while the scheduler was listening. When its own event loop was blocked
 * (a client's synchronous map of a huge graph in the same process, a long GC pause, a starved
 * machine), the timer fires late and every peer's heartbeats of that time still wait unread in the
 * socket: blaming the peers would remove live workers, all at once, and send their tasks elsewhere.
 * So a late check starts the silence clock again from the moment the scheduler could hear again.
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
  /** How often the check runs. */
  readonly intervalMs: number;
  flush(): void;
  /** When the scheduler last could hear its peers: kept by `checkLiveness` from one check to the next. */
  readonly clock: ListeningClock;
}

/** The times the check keeps between runs (ms since the epoch). */
export interface ListeningClock {
  /** When the previous check ran (0 before the first). */
  lastCheckAt: number;
  /** Since when the scheduler has been listening without a stall. */
  listeningSince: number;
}

/** A clock for a scheduler that starts listening at `now`. */
export function listeningClock(now: number): ListeningClock {
  return { lastCheckAt: now, listeningSince: now };
}

/**
 * How late a check may fire, beyond its interval, before the gap counts as the scheduler's own stall
 * rather than its peers' silence: a quarter of the worker time-out (a timer a little late on a busy
 * machine is not a stall), and never less than one interval.
 */
const STALL_SHARE_OF_TTL = 0.25;

/** Removes the workers and clients silent for longer than their time-out at `now` (ms since the epoch). */
export function checkLiveness(parts: LivenessParts, now: number): void {
  const { state, peers, workerTtlMs, clientTtlMs, clock } = parts;
  const gap = now - clock.lastCheckAt;
  clock.lastCheckAt = now;
  if (gap > parts.intervalMs + Math.max(parts.intervalMs, workerTtlMs * STALL_SHARE_OF_TTL)) {
    parts.log.warn(`the scheduler could not listen for ${Math.round(gap)} ms (its event loop was blocked); peers' silence is counted again from now`);
    clock.listeningSince = now;
  }
  parts.notices.prune(now);
  for (const worker of [...state.workers.values()]) {
    const heardOrListening = Math.max(worker.lastSeen, clock.listeningSince);
    if (now - heardOrListening > workerTtlMs) {
      peers.removeWorker(worker.peer, `no heartbeat for ${Math.round((now - worker.lastSeen) / 1000)} s (worker TTL ${workerTtlMs} ms)`);
    }
  }
  for (const client of [...state.clients.values()]) {
    if (now - Math.max(client.lastSeen, clock.listeningSince) > clientTtlMs) {
      const reason = `silent for ${clientTtlMs} ms (client TTL)`;
      parts.log.warn(`client ${client.id} ${reason}: releasing its futures (it submits them again if it comes back)`);
      peers.removeClient(client, reason);
    }
  }
  parts.flush();
}
