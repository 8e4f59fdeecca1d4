/**
 * What a peer the scheduler does not know yet said first. Such a peer may only say `hello` (a client)
 * or `register` (a worker); anything before that is dropped. A peer the scheduler removed that still
 * talks is recognised by what it says: a worker (told `unknown-worker`, so it registers again) or a
 * client that the scheduler timed out (told `unknown-client`, so it says hello again and resubmits).
 * Both send `heartbeat`; a worker's carries its load, a client's nothing, so each message is checked
 * against either role's schema rather than told apart by its op alone.
 */
import type { ClientToScheduler, WorkerToScheduler } from '../protocol/messages.js';
import { checkMessage, clientToSchedulerSchema, schemaTable, validateBatch, workerToSchedulerSchema, type MessageProblem, type MessageSchemas } from '../protocol/validate.js';
import { printable } from '../util/printable.js';

/** What a peer that is neither a known client nor a known worker may say first. */
export type FirstMessage = Extract<ClientToScheduler, { op: 'hello' }> | Extract<WorkerToScheduler, { op: 'register' }>;

const firstMessageSchema = {
  hello: clientToSchedulerSchema.hello,
  register: workerToSchedulerSchema.register,
} satisfies MessageSchemas<FirstMessage>;

const WORKER_TABLE = schemaTable(workerToSchedulerSchema);
const CLIENT_TABLE = schemaTable(clientToSchedulerSchema);

/** Who an unknown peer talks as: a worker, a client, or neither (what it says is valid for no role). */
export type UnknownRole = 'worker' | 'client' | undefined;

/** A batch from an unknown peer, read. */
export type FirstMessageReading =
  /** No hello or register in the batch; `role` is what its first valid message shows it to be. */
  | { found: false; role: UnknownRole }
  /** The first hello or register: `message` when valid, else the `errors` (a `register` when `register`). */
  | { found: true; message: FirstMessage | undefined; errors: MessageProblem[]; register: boolean; rest: unknown[] };

/** Finds and validates the first `hello` or `register` of `raw`; `rest` is what came after it. */
export function readFirstMessage(peer: string, raw: unknown): FirstMessageReading {
  const items = Array.isArray(raw) ? raw : [raw];
  const first = items.findIndex((m) => isOp(m, 'hello') || isOp(m, 'register'));
  if (first < 0) return { found: false, role: roleOf(items) };
  const { messages, errors } = validateBatch<FirstMessage>([items[first]], firstMessageSchema, printable(peer));
  return { found: true, message: messages[0], errors, register: isOp(items[first], 'register'), rest: items.slice(first + 1) };
}

/** Ops both roles send with the same fields (`transfers`): they show neither role. */
const SAME_FOR_BOTH = new Set(Object.keys(workerToSchedulerSchema).filter((op) => {
  const client = (clientToSchedulerSchema as Record<string, object>)[op];
  const worker = (workerToSchedulerSchema as Record<string, object>)[op]!;
  return client !== undefined && Object.keys(client).join() === Object.keys(worker).join();
}));

/**
 * The role the first telling message of `items` shows. A worker's schema is checked first: where both
 * roles send an op, a worker's carries more (a worker's heartbeat its load, a client's nothing).
 */
function roleOf(items: unknown[]): UnknownRole {
  for (const item of items) {
    if (isOp(item, ...SAME_FOR_BOTH)) continue;
    if (checkMessage(item, WORKER_TABLE) === undefined) return 'worker';
    if (checkMessage(item, CLIENT_TABLE) === undefined) return 'client';
  }
  return undefined;
}

function isOp(message: unknown, ...ops: string[]): boolean {
  const op = typeof message === 'object' && message !== null ? (message as { op?: unknown }).op : undefined;
  return typeof op === 'string' && ops.includes(op);
}
