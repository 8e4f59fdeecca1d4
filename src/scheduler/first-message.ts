/**
 * What a peer the scheduler does not know yet said first. Such a peer may only say `hello` (a client)
 * or `register` (a worker); anything before that is dropped, and a worker the scheduler removed that
 * still talks is recognised by its ops (it is told `unknown-worker`, so it registers again).
 */
import type { ClientToScheduler, WorkerToScheduler } from '../protocol/messages.js';
import { clientToSchedulerSchema, validateBatch, workerToSchedulerSchema, type MessageProblem, type MessageSchemas } from '../protocol/validate.js';
import { printable } from '../util/printable.js';

/** What a peer that is neither a known client nor a known worker may say first. */
export type FirstMessage = Extract<ClientToScheduler, { op: 'hello' }> | Extract<WorkerToScheduler, { op: 'register' }>;

const firstMessageSchema = {
  hello: clientToSchedulerSchema.hello,
  register: workerToSchedulerSchema.register,
} satisfies MessageSchemas<FirstMessage>;

const WORKER_OPS = new Set(Object.keys(workerToSchedulerSchema));

/** A batch from an unknown peer, read. */
export type FirstMessageReading =
  /** No hello or register in the batch; `fromWorker` when it holds ops only workers send. */
  | { found: false; fromWorker: boolean }
  /** The first hello or register: `message` when valid, else the `errors` (a `register` when `register`). */
  | { found: true; message: FirstMessage | undefined; errors: MessageProblem[]; register: boolean; rest: unknown[] };

/** Finds and validates the first `hello` or `register` of `raw`; `rest` is what came after it. */
export function readFirstMessage(peer: string, raw: unknown): FirstMessageReading {
  const items = Array.isArray(raw) ? raw : [raw];
  const first = items.findIndex((m) => isOp(m, 'hello') || isOp(m, 'register'));
  if (first < 0) return { found: false, fromWorker: items.some((m) => isOp(m, ...WORKER_OPS)) };
  const { messages, errors } = validateBatch<FirstMessage>([items[first]], firstMessageSchema, printable(peer));
  return { found: true, message: messages[0], errors, register: isOp(items[first], 'register'), rest: items.slice(first + 1) };
}

function isOp(message: unknown, ...ops: string[]): boolean {
  const op = typeof message === 'object' && message !== null ? (message as { op?: unknown }).op : undefined;
  return typeof op === 'string' && ops.includes(op);
}
