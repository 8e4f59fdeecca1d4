/**
 * Validation at the boundary: every decoded message is checked for a known `op` and the types of its
 * required fields. A bad message is dropped (the caller logs the ProtocolError); the rest of the batch
 * is still served. Past this point the code trusts the types.
 */
import { ProtocolError } from '../errors/index.js';
import { OutOfBand } from './out-of-band.js';

type FieldType = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'oob' | 'wire-value' | 'any';
/** Field name → type; a trailing '?' on the name marks an optional field. */
export type MessageSchema = Record<string, Record<string, FieldType>>;

function isWireValue(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { body?: unknown; frames?: unknown };
  return v.body instanceof Uint8Array && Array.isArray(v.frames) && v.frames.every((f) => f instanceof OutOfBand);
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'oob': return value instanceof OutOfBand;
    case 'wire-value': return isWireValue(value);
    case 'any': return true;
  }
}

/**
 * Splits a decoded batch into valid messages and errors.
 * @param peer Named in the errors, so a log line says who sent the bad message.
 */
export function validateBatch<M extends { op: string }>(
  raw: unknown,
  schema: MessageSchema,
  peer: string,
): { messages: M[]; errors: ProtocolError[] } {
  const errors: ProtocolError[] = [];
  if (!Array.isArray(raw)) {
    return { messages: [], errors: [new ProtocolError(`dropped a message from ${peer}: the body is not a batch (array) of messages`)] };
  }
  const messages: M[] = [];
  for (const item of raw) {
    const problem = checkMessage(item, schema);
    if (problem) errors.push(new ProtocolError(`dropped a message from ${peer}: ${problem}`));
    else messages.push(item as M);
  }
  return { messages, errors };
}

function checkMessage(item: unknown, schema: MessageSchema): string | undefined {
  if (typeof item !== 'object' || item === null) return 'a message is not an object';
  const op = (item as { op?: unknown }).op;
  if (typeof op !== 'string') return 'a message has no string field `op`';
  const fields = schema[op];
  if (!fields) return `unknown op ${JSON.stringify(op).slice(0, 60)}`;
  for (const [spec, type] of Object.entries(fields)) {
    const optional = spec.endsWith('?');
    const name = optional ? spec.slice(0, -1) : spec;
    const value = (item as Record<string, unknown>)[name];
    if (value === undefined && optional) continue;
    if (!hasType(value, type)) return `field \`${name}\` of op \`${op}\` should be ${type}, got ${value === null ? 'null' : typeof value}`;
  }
  return undefined;
}

export const clientToSchedulerSchema: MessageSchema = {
  hello: { clientId: 'string', version: 'string' },
  functions: { fns: 'array' },
  submit: { tasks: 'array' },
  release: { keys: 'array' },
  cancel: { keys: 'array', 'force?': 'boolean' },
  retry: { keys: 'array' },
  'who-has': { id: 'number', keys: 'array' },
  'gather-proxy': { id: 'number', keys: 'array' },
  run: { id: 'number', fn: 'string', args: 'wire-value', 'workers?': 'array', timeoutMs: 'number' },
  'register-setup': { id: 'number', name: 'string', fn: 'string', args: 'wire-value', timeoutMs: 'number' },
  'unregister-setup': { id: 'number', name: 'string' },
  'worker-logs': { id: 'number', tail: 'number', 'workers?': 'array' },
  scatter: { id: 'number', keys: 'array', values: 'array', broadcast: 'boolean', 'workers?': 'array' },
  'upload-file': { id: 'number', name: 'string', data: 'oob' },
  info: { id: 'number' },
  'task-stream': { id: 'number', since: 'number' },
  heartbeat: {},
  goodbye: {},
};

export const workerToSchedulerSchema: MessageSchema = {
  register: { worker: 'object' },
  heartbeat: { executing: 'array', memory: 'number', queued: 'number' },
  'task-finished': { reports: 'array' },
  'task-erred': { key: 'string', error: 'object', duration: 'number', start: 'number', thread: 'number' },
  started: { keys: 'array' },
  'missing-data': { key: 'string', missing: 'array' },
  'data-stored': { id: 'number', keys: 'array', nbytes: 'array' },
  'run-result': { id: 'number', 'value?': 'wire-value', 'error?': 'object' },
  logs: { id: 'number', lines: 'array' },
  'data-reply': { id: 'number', values: 'object', missing: 'array' },
  'upload-done': { id: 'number', 'error?': 'object' },
  unregister: { reason: 'string' },
  'retire-me': { reason: 'string' },
};

/** The scheduler's ROUTER serves clients and workers; a peer's first message says which it is. */
export const schedulerInboundSchema: MessageSchema = { ...clientToSchedulerSchema, ...workerToSchedulerSchema,
  // ops present in both directions with different shapes are told apart by the peer's role, so the
  // merged table only needs the union of field requirements.
  heartbeat: {},
};

export const schedulerToClientSchema: MessageSchema = {
  welcome: { schedulerId: 'string', workers: 'number', 'dashboardLink?': 'string' },
  'task-finished': { items: 'array' },
  'task-erred': { key: 'string', error: 'object' },
  'task-cancelled': { key: 'string', reason: 'string' },
  'task-lost': { key: 'string', reason: 'string' },
  'task-retried': { keys: 'array' },
  'no-worker': { key: 'string', reason: 'string' },
  'who-has-reply': { id: 'number', holders: 'object' },
  'gather-reply': { id: 'number', values: 'object', missing: 'array' },
  'run-reply': { id: 'number', results: 'object', errors: 'object' },
  'scatter-reply': { id: 'number', 'error?': 'object' },
  'upload-reply': { id: 'number', workers: 'array', errors: 'object' },
  'info-reply': { id: 'number', workers: 'array', tasks: 'object' },
  'task-stream-reply': { id: 'number', runs: 'array' },
  'worker-logs-reply': { id: 'number', logs: 'object' },
  'workers-changed': { count: 'number' },
  error: { error: 'object' },
};

export const schedulerToWorkerSchema: MessageSchema = {
  registered: { workerId: 'string', schedulerId: 'string', heartbeatMs: 'number' },
  functions: { fns: 'array' },
  compute: { tasks: 'array' },
  'cancel-compute': { keys: 'array' },
  'free-keys': { keys: 'array' },
  'store-data': { id: 'number', keys: 'array', values: 'array' },
  'get-data': { id: 'number', keys: 'array' },
  run: { id: 'number', fn: 'string', args: 'wire-value', timeoutMs: 'number' },
  setup: { id: 'number', name: 'string', fn: 'string', args: 'wire-value' },
  'remove-setup': { name: 'string' },
  'get-logs': { id: 'number', tail: 'number' },
  'fetch-data': { id: 'number', keys: 'array', from: 'string' },
  'upload-file': { id: 'number', name: 'string', data: 'oob' },
  'heartbeat-ack': {},
  'unknown-worker': {},
  close: { reason: 'string' },
};

export const peerRequestSchema: MessageSchema = { 'get-data': { id: 'number', keys: 'array' } };
export const peerReplySchema: MessageSchema = { data: { id: 'number', values: 'object', missing: 'array' } };
