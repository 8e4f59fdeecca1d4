/**
 * How often a client says it is alive, agreed by both ends: the scheduler's welcome asks for four
 * heartbeats per client TTL (so a short TTL, set for tests or a small cluster, never drops a client that
 * runs), and the client keeps what it is asked within bounds a hostile scheduler cannot abuse.
 */

/** The longest interval between a client's heartbeats (and the interval before any welcome), in milliseconds. */
export const CLIENT_HEARTBEAT_MAX_MS = 2_000;
/** The shortest interval between a client's heartbeats, in milliseconds. */
export const CLIENT_HEARTBEAT_MIN_MS = 50;

/** The interval a client keeps when asked for `askedMs` (anything not a finite number: the longest). */
export function boundClientHeartbeat(askedMs: number | undefined): number {
  if (askedMs === undefined || !Number.isFinite(askedMs)) return CLIENT_HEARTBEAT_MAX_MS;
  return Math.max(CLIENT_HEARTBEAT_MIN_MS, Math.min(CLIENT_HEARTBEAT_MAX_MS, askedMs));
}

/** The interval the scheduler asks of its clients: four heartbeats per `clientTtlMs`. */
export function clientHeartbeatMs(clientTtlMs: number): number {
  return boundClientHeartbeat(Math.floor(clientTtlMs / 4));
}
