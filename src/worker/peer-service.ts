/**
 * What a worker's data service does with each request from a peer (a client or another worker): every
 * request is checked on its own, and a bad one is answered `refused` with the ProtocolError (a client
 * waiting on a direct actor call would otherwise wait for nothing) and summarised in the log; good ones
 * are served: `get-data` from the stored results, `actor-call` and `free-direct` by the direct calls.
 */
import type { PeerReply, PeerRequest } from '../protocol/messages.js';
import { checkMessage, MessageProblem, peerRequestSchema, schemaTable } from '../protocol/validate.js';
import { toWireError } from '../protocol/wire-error.js';
import { printable } from '../util/printable.js';
import type { DirectCalls } from './direct-calls.js';
import type { StoredData } from './stored-data.js';

/** The requests a worker's data service serves, checked one by one. */
const PEER_REQUESTS = schemaTable(peerRequestSchema);

/** The id of a bad request, when it has a numeric one (else 0). */
function requestId(item: unknown): number {
  const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : 0;
}

/** What serving peers needs from the worker. */
export interface PeerServicePort {
  readonly data: StoredData;
  readonly direct: DirectCalls;
  reply(peer: string, message: PeerReply): void;
  /** A summarised warning (one line per kind every few seconds). */
  warn(kind: string, message: string): void;
  /** Direct calls were queued: send ready tasks to the threads. */
  pump(): void;
}

/** Serves one batch of requests from `peer`. */
export function servePeer(port: PeerServicePort, peer: string, raw: unknown): void {
  const from = `peer ${printable(peer)}`;
  const refuse = (id: number, problem: MessageProblem): void => {
    port.warn(problem.kind, problem.message);
    port.reply(peer, { op: 'refused', id, error: toWireError(problem) });
  };
  if (!Array.isArray(raw)) {
    refuse(0, new MessageProblem(`dropped a message from ${from}: the body is not a batch (array) of messages`, 'not a batch'));
    return;
  }
  let called = false;
  for (const item of raw) {
    const problem = checkMessage(item, PEER_REQUESTS);
    if (problem) {
      refuse(requestId(item), new MessageProblem(`dropped a message from ${from}: ${problem.text}`, problem.kind));
      continue;
    }
    const request = item as PeerRequest;
    if (request.op === 'actor-call') {
      port.direct.call(peer, request);
      called = true;
    } else if (request.op === 'free-direct') {
      port.direct.freeDirect(peer, request.keys);
    } else {
      port.reply(peer, { op: 'data', id: request.id, ...port.data.collect(request.keys) });
    }
  }
  if (called) port.pump();
}
