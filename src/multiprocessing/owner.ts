/**
 * Who owns a file that a run is writing, and whether that owner is gone: the rule that lets a later
 * run delete what an interrupted one left without ever deleting what a live one is writing.
 *
 * An owner is `<host>-<pid>` (the host name URI-encoded, so it never holds a `.` or `/` of its own
 * that could be confused with the rest of a file name). A live owner refreshes its file's
 * modification time every {@link HEARTBEAT_MS}.
 * - On this host, the owner is gone when its pid no longer runs. A reused pid only keeps a leftover
 *   longer (it then goes by the staleness rule below), never deletes a live file.
 * - On another host, or with no owner known, the owner is taken to be gone once the file has not
 *   been touched for {@link STALE_MS}. This assumes the hosts' clocks agree within a minute (NTP on
 *   any cluster does much better).
 */
import { hostname } from 'node:os';

/** How often a live run refreshes the modification time of the files it owns. */
export const HEARTBEAT_MS = 15_000;
/** How long a file from another host (or of unknown owner) must be untouched before it counts as abandoned. */
export const STALE_MS = 120_000;

/** The owner tag of this process: `<uri-encoded host>-<pid>`. */
export function ownerTag(pid = process.pid): string {
  return `${encodeHost(hostname())}-${pid}`;
}

function encodeHost(host: string): string {
  // encodeURIComponent keeps `.`; encode it too, so a tag never contains one.
  return encodeURIComponent(host).replaceAll('.', '%2E');
}

/** Splits a tag made by {@link ownerTag}; undefined when it is not one. */
export function parseOwnerTag(tag: string): { host: string; pid: number } | undefined {
  const match = /^([A-Za-z0-9%_~!'()*-]+)-(\d{1,10})$/.exec(tag);
  if (match === null) return undefined;
  return { host: match[1] as string, pid: Number(match[2]) };
}

/** Why a file's owner counts as gone, or undefined when it may still be writing. */
export function ownerGone(tag: string | undefined, lastTouchedMs: number, nowMs = Date.now()): string | undefined {
  const owner = tag === undefined ? undefined : parseOwnerTag(tag);
  if (owner !== undefined && owner.host === encodeHost(hostname())) {
    if (owner.pid === process.pid) return undefined; // this very process: it knows its own files
    return pidRuns(owner.pid) ? undefined : `process ${owner.pid} on this host has ended`;
  }
  const idleMs = nowMs - lastTouchedMs;
  if (idleMs < STALE_MS) return undefined;
  const who = owner === undefined ? 'its owner is unknown' : `it belongs to process ${owner.pid} on host ${decodeURIComponent(owner.host)}`;
  return `${who} and it has not been touched for ${Math.round(idleMs / 1000)} s`;
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // runs, as another user
  }
}

/**
 * Calls `touch` every {@link HEARTBEAT_MS} until the returned stop function is called. The timer
 * does not keep the process alive, and a failed touch is ignored (the file may be gone already).
 */
export function startHeartbeat(touch: () => Promise<unknown>): () => void {
  const timer = setInterval(() => {
    touch().catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}
