/**
 * A client that the scheduler timed out comes back. The scheduler lets a client's futures go when it
 * heard nothing from it for its `clientTtlMs` (the client's process was stopped, or its event loop
 * blocked by a huge synchronous `map`), and answers what the client says next with `unknown-client`.
 * The client then says hello again and submits again every task it still wants (kept-tasks.ts), ahead
 * of what waits in its outbox (those tasks may need them): nothing it submitted is lost. Requests in
 * flight that only read are asked again; the others fail with an error saying why (they may or may
 * not have been done), and scattered data the client still holds is reported lost.
 */
import { FlotillaError } from '../errors/index.js';
import type { ClientToScheduler } from '../protocol/messages.js';
import type { Logger } from '../util/logger.js';
import type { KeptTasks } from './kept-tasks.js';
import { CHUNK_ITEMS } from './outbox.js';
import type { SessionListener } from './session.js';

/** A request waiting for the scheduler's reply, with the message that asked it. */
export interface PendingRequest<R> {
  message: ClientToScheduler;
  resolve: (reply: R) => void;
  reject: (error: Error) => void;
}

/** Requests that only read: asked again when the scheduler forgot the client while they were in flight. */
const READ_ONLY_REQUESTS: ReadonlySet<string> = new Set(['who-has', 'gather-proxy', 'info', 'task-stream', 'worker-logs', 'profile']);

/** What a rejoin reads and acts through. */
export interface RejoinParts<R> {
  readonly clientId: string;
  readonly version: string;
  /** Sends straight to the link, ahead of the outbox. */
  send(message: ClientToScheduler): void;
  readonly kept: KeptTasks;
  readonly pending: Map<number, PendingRequest<R>>;
  readonly listener: Pick<SessionListener, 'lost'>;
  readonly log: Logger;
}

/** Says hello again and resubmits what the client still wants. See the module comment. */
export function rejoin<R>(parts: RejoinParts<R>): void {
  const { specs, lost } = parts.kept.toResubmit();
  parts.log.warn(
    `the scheduler had timed this client out (it heard nothing from it for its clientTtlMs: was this process stopped, or its event loop blocked?) ` +
    `and let its futures go; saying hello again and resubmitting ${specs.length} tasks. Raise the scheduler's clientTtlMs if this process is often busy that long.`,
  );
  parts.send({ op: 'hello', clientId: parts.clientId, version: parts.version });
  for (let i = 0; i < specs.length; i += CHUNK_ITEMS) parts.send({ op: 'submit', tasks: specs.slice(i, i + CHUNK_ITEMS) });
  const reason = 'the scheduler timed this client out and forgot it, and scattered data cannot be computed again; scatter it again';
  for (const key of lost) parts.listener.lost(key, reason);
  for (const [id, pending] of parts.pending) {
    if (READ_ONLY_REQUESTS.has(pending.message.op)) {
      parts.send(pending.message);
      continue;
    }
    parts.pending.delete(id);
    pending.reject(new FlotillaError(
      `the scheduler timed this client out while its ${pending.message.op} request was in flight, so it may or may not have been done; ` +
      "check and ask again, and raise the scheduler's clientTtlMs if this process is often stopped or busy that long",
    ));
  }
}
