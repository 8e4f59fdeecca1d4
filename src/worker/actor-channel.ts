/**
 * What an actor's thread tells its worker's main thread about the calls it served on its own endpoint
 * (actor-server.ts), over a BroadcastChannel named after the actor: where the endpoint is (the worker's
 * data service hands it to the clients that call), each call's result (kept by the worker like any
 * other result, for the tasks that take it as input), and the endpoint's end. One typed definition for
 * both ends; the main thread checks every message it receives (`checkActorNotice`).
 */
import type { StoredValue } from './thread-protocol.js';

export type ActorNotice =
  /** The actor's thread serves calls at `endpoint` now. */
  | { t: 'endpoint'; endpoint: string }
  /** A call served at the endpoint finished: its result, to keep. */
  | { t: 'stored'; key: string; value: StoredValue }
  /** The endpoint closed (the thread is ending). */
  | { t: 'closed' };

/** The channel of actor `actor`. */
export function actorChannelName(actor: string): string {
  return `flotilla-actor:${actor}`;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** `data` as an ActorNotice, or undefined when it is not one. */
export function checkActorNotice(data: unknown): ActorNotice | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const notice = data as Record<string, unknown>;
  switch (notice.t) {
    case 'endpoint':
      return typeof notice.endpoint === 'string' ? (notice as ActorNotice) : undefined;
    case 'stored': {
      const value = notice.value as Record<string, unknown> | null;
      const valid = typeof notice.key === 'string' && value !== null && typeof value === 'object' && isBytes(value.body) && Array.isArray(value.frames) && value.frames.every(isBytes);
      return valid ? (notice as ActorNotice) : undefined;
    }
    case 'closed':
      return notice as ActorNotice;
    default:
      return undefined;
  }
}
