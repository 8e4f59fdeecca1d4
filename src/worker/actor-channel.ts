/**
 * What an actor's thread tells its worker's main thread about the calls it served on its own endpoint
 * (actor-server.ts), over a BroadcastChannel named after the actor: where the endpoint is (the worker's
 * data service hands it to the clients that call), the calls' results (kept by the worker like any
 * other result, for the tasks that take them as input) and which of them to drop, and the endpoint's end. One typed definition for
 * both ends; the main thread checks every message it receives (`checkActorNotice`).
 */
import type { StoredValue } from './thread-protocol.js';

/** The result of one call served at an actor's endpoint. */
export interface StoredResult {
  key: string;
  value: StoredValue;
}

export type ActorNotice =
  /** The actor's thread serves calls at `endpoint` now. */
  | { t: 'endpoint'; endpoint: string }
  /**
   * Calls served at the endpoint finished: their results, to keep; and results handed over before that
   * their clients let go of (`free-direct` sent to the endpoint), to drop.
   */
  | { t: 'stored'; results: StoredResult[]; freed: string[] }
  /** The endpoint closed (the thread is ending). */
  | { t: 'closed' };

/** The channel of actor `actor`. */
export function actorChannelName(actor: string): string {
  return `flotilla-actor:${actor}`;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function isStoredResult(item: unknown): boolean {
  if (item === null || typeof item !== 'object') return false;
  const { key, value } = item as { key?: unknown; value?: { body?: unknown; frames?: unknown } | null };
  return typeof key === 'string' && value !== null && typeof value === 'object' && isBytes(value.body) && Array.isArray(value.frames) && value.frames.every(isBytes);
}

/** `data` as an ActorNotice, or undefined when it is not one. */
export function checkActorNotice(data: unknown): ActorNotice | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const notice = data as Record<string, unknown>;
  switch (notice.t) {
    case 'endpoint':
      return typeof notice.endpoint === 'string' ? (notice as ActorNotice) : undefined;
    case 'stored':
      return Array.isArray(notice.results) && notice.results.every(isStoredResult) && Array.isArray(notice.freed) && notice.freed.every((key) => typeof key === 'string')
        ? (notice as ActorNotice)
        : undefined;
    case 'closed':
      return notice as ActorNotice;
    default:
      return undefined;
  }
}
