/**
 * Validation at the boundary: every decoded message is checked in full (a known `op`, and the type of
 * every field down to nested ones) before anything acts on it. A bad message is dropped whole, so it
 * changes no state (the caller logs the ProtocolError, or answers it); the rest of the batch is still
 * served. Past this point the code trusts the types.
 *
 * Each direction's schema `satisfies` `MessageSchemas` of its union in `messages.ts`: a message or a
 * field added to a union without its check here does not compile.
 */
import { ProtocolError } from '../errors/index.js';
import type {
  ActorTaskPart, ClientToScheduler, ComputeOrder, ProfileData, ProfileQuery, TransferReport, CoordinationRequest, DepLocation, FinishedItem, FunctionSource, PeerReply, PeerRequest, Restrictions,
  SchedulerToClient, SchedulerToWorker, TaskFinishedReport, TaskRunRecord, TaskSpec, WireError, WireValue,
  WorkerRegistration, WorkerSummary, WorkerToScheduler,
} from './messages.js';
import {
  anything, arr, bool, bytes, checkFields, isPlainObject, num, obj, oneOf, oob, opt, prototypeKeyOf, rec, str, type Field, type ShapeOf,
} from './schema.js';

/** For every `op` of a message union, a schema of that message's other fields. */
export type MessageSchemas<M extends { op: string }> = { [K in M['op']]: ShapeOf<Omit<Extract<M, { op: K }>, 'op'>> };

/** A problem found in one message: `kind` groups like problems for summarised warnings. */
export class MessageProblem extends ProtocolError {
  constructor(message: string, readonly kind: string) {
    super(message);
  }
}

// ---------------------------------------------------------------- shared shapes
const keys = arr(str);
const wireValue: Field<WireValue> = obj<WireValue>({ body: bytes, frames: arr(oob) });
const wireError: Field<WireError> = obj<WireError>({
  name: str, message: str, stack: opt(str), code: opt(str), key: opt(str), fields: opt(rec(anything)),
});
const numbers = rec(num);
const restrictions = obj<Restrictions>({ workers: opt(keys), allowOtherWorkers: opt(bool), resources: opt(numbers) });
const actorPart = obj<ActorTaskPart>({
  actor: str, kind: oneOf('create', 'call', 'get'), name: str, maxConcurrency: opt(num), maxRestarts: opt(num),
  handle: opt(str), direct: opt(obj<{ worker: string; seq: number }>({ worker: str, seq: num })), after: opt(num),
});
const taskSpec = obj<TaskSpec>({
  key: str, fn: str, args: wireValue, deps: keys, priority: num, retries: num, group: str, restrictions: opt(restrictions), actor: opt(actorPart),
});
const functionSource = obj<FunctionSource>({ hash: str, name: str, source: str });
const finishedItem = obj<FinishedItem>({ key: str, nbytes: num, value: opt(wireValue) });
const workerSummary = obj<WorkerSummary>({
  id: str, name: str, host: str, address: str, nthreads: num, memoryLimit: num, memory: num, running: num, queued: num,
  jobId: opt(str), pid: num, resources: numbers,
});
const taskRun = obj<TaskRunRecord>({
  key: str, group: str, worker: str, thread: num, start: num, stop: num, status: oneOf('memory', 'erred'), nbytes: num, transfer: num,
  kind: opt(oneOf('transfer')), source: opt(str), destination: opt(str), keys: opt(keys),
});
const transferReport = obj<TransferReport>({ keys, source: str, start: num, stop: num, nbytes: num });
const registration = obj<WorkerRegistration>({
  name: str, host: str, address: str, nthreads: num, memoryLimit: num, resources: numbers, pid: num, jobId: opt(str), localDirectory: str,
});
const finishedReport = obj<TaskFinishedReport>({
  key: str, nbytes: num, duration: num, start: num, thread: num, transfer: num, value: opt(wireValue),
});
const depLocation = obj<DepLocation>({ key: str, holders: keys, local: bool });
const computeOrder = obj<ComputeOrder>({
  key: str, fn: str, args: wireValue, deps: arr(depLocation), priority: num, resources: opt(numbers), actor: opt(actorPart),
});
const values = rec(wireValue);
const coordinationRequest = obj<CoordinationRequest>({
  kind: oneOf('lock', 'event', 'queue', 'variable', 'dataset'), name: str, action: str, value: opt(wireValue), keys: opt(keys),
  timeoutMs: opt(num), lease: opt(str), maxsize: opt(num), override: opt(bool),
});
const numberList = arr(num);
const profileQuery = obj<ProfileQuery>({ start: opt(num), stop: opt(num), keys: opt(keys), group: opt(str), timeline: bool });
const profileData = obj<ProfileData>({
  intervalMs: num, start: num, stop: num,
  frames: obj<ProfileData['frames']>({ name: keys, url: keys, line: numberList, column: numberList }),
  nodes: obj<ProfileData['nodes']>({ parent: numberList, frame: numberList, self: numberList }),
  samples: opt(obj<NonNullable<ProfileData['samples']>>({ time: numberList, node: numberList })),
});

// ---------------------------------------------------------------- one schema per direction
export const clientToSchedulerSchema = {
  hello: { clientId: str, version: str },
  functions: { fns: arr(functionSource) },
  submit: { tasks: arr(taskSpec) },
  release: { keys },
  retry: { keys },
  cancel: { keys, force: opt(bool) },
  'who-has': { id: num, keys },
  'gather-proxy': { id: num, keys },
  run: { id: num, fn: str, args: wireValue, workers: opt(keys), timeoutMs: num },
  'register-setup': { id: num, name: str, fn: str, args: wireValue, timeoutMs: num },
  'unregister-setup': { id: num, name: str },
  'worker-logs': { id: num, tail: num, workers: opt(keys) },
  scatter: { id: num, keys, values: arr(wireValue), broadcast: bool, workers: opt(keys) },
  'upload-file': { id: num, name: str, data: oob },
  info: { id: num },
  'task-stream': { id: num, since: num },
  heartbeat: {},
  goodbye: {},
  'fire-and-forget': { keys },
  restart: { id: num, timeoutMs: num },
  'retire-workers': { id: num, workers: keys, closeWorkers: bool },
  replicate: { id: num, keys, n: opt(num), workers: opt(keys) },
  rebalance: { id: num, keys: opt(keys), workers: opt(keys) },
  coordinate: { id: num, request: coordinationRequest },
  'want-keys': { keys },
  profile: { id: num, query: profileQuery, workers: opt(keys) },
  transfers: { transfers: arr(transferReport) },
  'actor-done': { worker: str, reports: arr(finishedReport) },
  'actor-erred': { worker: str, key: str, error: wireError, duration: num },
} satisfies MessageSchemas<ClientToScheduler>;

export const workerToSchedulerSchema = {
  register: { worker: registration },
  heartbeat: { executing: keys, memory: num, queued: num },
  'task-finished': { reports: arr(finishedReport) },
  'task-erred': { key: str, error: wireError, duration: num, start: num, thread: num },
  started: { keys },
  'missing-data': { key: str, missing: keys },
  'data-stored': { id: num, keys, nbytes: arr(num) },
  'run-result': { id: num, value: opt(wireValue), error: opt(wireError) },
  logs: { id: num, lines: arr(str) },
  'data-reply': { id: num, values, missing: keys },
  'upload-done': { id: num, error: opt(wireError) },
  unregister: { reason: str },
  'retire-me': { reason: str },
  'long-running': { keys },
  restarted: { id: num },
  'actor-lost': { key: str, reason: str },
  'profile-data': { id: num, profile: opt(profileData), error: opt(wireError) },
  transfers: { transfers: arr(transferReport) },
} satisfies MessageSchemas<WorkerToScheduler>;

export const schedulerToClientSchema = {
  welcome: { schedulerId: str, workers: num, dashboardLink: opt(str), heartbeatMs: opt(num) },
  'task-finished': { items: arr(finishedItem) },
  'task-erred': { key: str, error: wireError },
  'task-cancelled': { keys, reason: str },
  'task-lost': { key: str, reason: str },
  'task-retried': { keys },
  'no-worker': { key: str, reason: str },
  'who-has-reply': { id: num, holders: rec(keys) },
  'gather-reply': { id: num, values, missing: keys },
  'run-reply': { id: num, results: values, errors: rec(wireError) },
  'scatter-reply': { id: num, error: opt(wireError) },
  'upload-reply': { id: num, workers: keys, errors: rec(wireError) },
  'info-reply': { id: num, workers: arr(workerSummary), tasks: numbers },
  'task-stream-reply': { id: num, runs: arr(taskRun) },
  'worker-logs-reply': { id: num, logs: rec(arr(str)) },
  'workers-changed': { count: num },
  'control-reply': { id: num, done: keys, error: opt(wireError) },
  'coordinate-reply': { id: num, ok: bool, value: opt(wireValue), names: opt(keys), count: opt(num), error: opt(wireError) },
  error: { error: wireError },
  'profile-reply': { id: num, profiles: rec(profileData), errors: rec(wireError) },
  'unknown-client': {},
} satisfies MessageSchemas<SchedulerToClient>;

export const schedulerToWorkerSchema = {
  registered: { schedulerId: str, heartbeatMs: num },
  'register-refused': { reason: str, retry: bool },
  functions: { fns: arr(functionSource) },
  compute: { tasks: arr(computeOrder) },
  'cancel-compute': { keys },
  'free-keys': { keys },
  'store-data': { id: num, keys, values: arr(wireValue) },
  'get-data': { id: num, keys },
  run: { id: num, fn: str, args: wireValue, timeoutMs: num },
  setup: { id: num, name: str, fn: str, args: wireValue },
  'remove-setup': { name: str },
  'get-logs': { id: num, tail: num },
  'fetch-data': { id: num, keys, from: str },
  'upload-file': { id: num, name: str, data: oob },
  restart: { id: num },
  'heartbeat-ack': {},
  'unknown-worker': {},
  'peer-gone': { address: str, reason: str },
  close: { reason: str },
  'get-profile': { id: num, query: profileQuery },
} satisfies MessageSchemas<SchedulerToWorker>;

export const peerRequestSchema = {
  'get-data': { id: num, keys },
  'actor-call': { id: num, key: str, fn: str, args: wireValue, actor: actorPart },
  'free-direct': { keys },
} satisfies MessageSchemas<PeerRequest>;
export const peerReplySchema = {
  data: { id: num, values, missing: keys },
  'actor-reply': { id: num, key: str, report: opt(finishedReport), error: opt(wireError), endpoint: opt(str) },
  refused: { id: num, error: wireError },
} satisfies MessageSchemas<PeerReply>;

// ---------------------------------------------------------------- checking a batch
type AnySchemas = Record<string, Record<string, Field<unknown>>>;
type Compiled = Map<string, ReadonlyArray<readonly [string, Field<unknown>]>>;
const compiled = new WeakMap<object, Compiled>();

/** The schema as a Map: an `op` such as `__proto__` or `toString` finds nothing, not Object.prototype. */
function compile(schema: object): Compiled {
  let table = compiled.get(schema);
  if (!table) {
    table = new Map(Object.entries(schema as AnySchemas).map(([op, fields]) => [op, Object.entries(fields)] as const));
    compiled.set(schema, table);
  }
  return table;
}

/**
 * Splits a decoded batch into valid messages and problems.
 * @param peer Named in the errors, so a log line says who sent the bad message.
 */
export function validateBatch<M extends { op: string }>(
  raw: unknown,
  schema: MessageSchemas<M>,
  peer: string,
): { messages: M[]; errors: MessageProblem[] } {
  const errors: MessageProblem[] = [];
  if (!Array.isArray(raw)) {
    return { messages: [], errors: [new MessageProblem(`dropped a message from ${peer}: the body is not a batch (array) of messages`, 'not a batch')] };
  }
  const table = compile(schema);
  const messages: M[] = [];
  for (const item of raw) {
    const problem = checkMessage(item, table);
    if (problem) errors.push(new MessageProblem(`dropped a message from ${peer}: ${problem.text}`, problem.kind));
    else messages.push(item as M);
  }
  return { messages, errors };
}

/** Checks one message against a schema table; the problem, or undefined when it is valid. */
export function checkMessage(item: unknown, table: Compiled): { text: string; kind: string } | undefined {
  if (!isPlainObject(item)) return { text: 'a message is not an object', kind: 'not an object' };
  const op = item.op;
  if (typeof op !== 'string') return { text: 'a message has no string field `op`', kind: 'no op' };
  const fields = table.get(op);
  if (!fields) return { text: `unknown op ${JSON.stringify(op).slice(0, 60)}`, kind: 'unknown op' };
  const key = prototypeKeyOf(item);
  if (key !== undefined) return { text: `op \`${op}\` has the forbidden key ${JSON.stringify(key)}`, kind: `bad ${op}` };
  const problem = checkFields(item, fields);
  if (!problem) return undefined;
  return { text: `op \`${op}\`: field ${problem.slice(1)}`, kind: `bad ${op}` };
}

/** The table `validateBatch` uses for a schema, for callers that check messages one by one. */
export function schemaTable(schema: object): Compiled {
  return compile(schema);
}
