/**
 * One coordination request from a client: encodes the value (futures inside become keys the scheduler
 * keeps wanted), sends it, and decodes the answer, turning keys back into futures of this client and
 * asking the scheduler where each stands. Shared by Lock, Event, Queue, Variable and the datasets.
 */
import { ConfigurationError } from '../errors/index.js';
import type { CoordinationRequest, SchedulerToClient } from '../protocol/messages.js';
import { fromWireError } from '../protocol/wire-error.js';
import { decodeValue, encodeValue } from '../serialize/value-codec.js';
import { channelOf } from '../client/cluster-requests.js';
import { Future } from '../client/future.js';
import { toWireValue } from '../client/remote-session.js';
import type { Session } from '../client/session.js';

type Reply = Extract<SchedulerToClient, { op: 'coordinate-reply' }>;

/** What the scheduler answered, with the value decoded. */
export interface CoordinationAnswer {
  ok: boolean;
  value?: unknown;
  names?: string[];
  count?: number;
}

/** The request without its encoded value; `value` travels in `payload` when `payload` is given. */
export type PlainRequest = Omit<CoordinationRequest, 'value' | 'keys'>;

export function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new ConfigurationError(`${what} needs a name (a non-empty string) shared by everyone who uses it, got ${JSON.stringify(name)}`);
  return name;
}

export function checkTimeout(what: string, timeoutMs: unknown): number | undefined {
  if (timeoutMs === undefined) return undefined;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new ConfigurationError(`${what}: timeoutMs must be a number of milliseconds >= 0, got ${String(timeoutMs)}`);
  }
  return timeoutMs;
}

export async function coordinate(
  session: Session, request: PlainRequest, payload: { value: unknown } | undefined, futureFor: (key: string) => Future<unknown>,
): Promise<CoordinationAnswer> {
  const channel = channelOf(session, `${request.kind} ${request.name}`);
  const full: CoordinationRequest = { ...request };
  if (payload) {
    const encoded = encodeValue(payload.value, {
      externalRef: (v) => (v instanceof Future ? v.key : undefined),
      label: `the value for ${request.kind} ${JSON.stringify(request.name)}`,
    });
    full.value = toWireValue(encoded);
    if (encoded.refs.length > 0) full.keys = encoded.refs;
  }
  const reply = await channel.request<Reply>((id) => ({ op: 'coordinate', id, request: full }));
  if (reply.error) throw fromWireError(reply.error);
  const answer: CoordinationAnswer = { ok: reply.ok };
  if (reply.names) answer.names = reply.names;
  if (reply.count !== undefined) answer.count = reply.count;
  if (reply.value) {
    const received: string[] = [];
    answer.value = decodeValue({ body: reply.value.body, frames: reply.value.frames.map((f) => f.bytes) }, {
      resolveRef: (key) => {
        received.push(key);
        return futureFor(key);
      },
    });
    if (received.length > 0) channel.send({ op: 'want-keys', keys: received });
  }
  return answer;
}
