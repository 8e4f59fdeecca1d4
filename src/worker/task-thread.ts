/**
 * Entry point of a task thread. Runs tasks one at a time in the order the main thread sent them,
 * decodes their arguments, encodes their results, and posts results back in batches. Yields to its
 * event loop between tasks (at most every millisecond), so `drop` and `run` messages are seen promptly.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { format } from 'node:util';
import { decodeValue, encodeValue, encodedSize } from '../serialize/value-codec.js';
import { describeTaskFailure } from '../serialize/reference-error.js';
import { toWireError } from '../protocol/wire-error.js';
import type { OriginRow } from '../serialize/function-module.js';
import { runActorTask } from './actor-instances.js';
import { installFunctionRuntime, mapStack } from './function-runtime.js';
import { shareLargeFrames } from './stored-data.js';
import type { WireError } from '../protocol/messages.js';
import { stopWatchingHandshakes } from '../transport/handshake-watch.js';
import { setWorkerClientInfo, taskContext, threadSockets, type TaskContext, type WorkerClientInfo } from './task-context.js';
import type { MainToThread, StoredValue, ThreadResult, ThreadTask, ThreadToMain } from './thread-protocol.js';

const port = parentPort!;
const threadIndex = (workerData as { index?: number } | undefined)?.index ?? 0;
setWorkerClientInfo((workerData as { client?: WorkerClientInfo } | undefined)?.client);
stopWatchingHandshakes();
threadSockets.opened = () => post({ t: 'sockets-opened' });
const queue: ThreadTask[] = [];
const dropped = new Set<number>();
let pending: ThreadResult[] = [];
let running = false;
let currentKey: string | undefined;

/**
 * Recent results of this thread, decoded, so a dependent queued behind its input on the same thread
 * runs without a round trip through the main thread (a chain of tasks runs here back to back).
 * Bounded by count, and large results are not kept.
 */
const RECENT_LIMIT = 512;
const RECENT_MAX_BYTES = 256 * 1024;
const recent = new Map<string, unknown>();
function remember(key: string, value: StoredValue, nbytes: number): void {
  if (nbytes > RECENT_MAX_BYTES) return;
  recent.set(key, decodeValue(value));
  if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value as string);
}

function post(message: ThreadToMain): void {
  port.postMessage(message);
}

// Task console output goes to the worker's log, tagged with the task key.
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[level] = (...args: unknown[]) => post({ t: 'log', level, text: format(...args), key: taskContext.getStore()?.key ?? currentKey });
}

installFunctionRuntime();
const modules = new Map<string, Promise<(...args: unknown[]) => unknown>>();
/** Where each loaded function module's pieces came from, for stacks. */
const originsByUrl = new Map<string, readonly OriginRow[]>();
function loadFunction(url: string): Promise<(...args: unknown[]) => unknown> {
  let loaded = modules.get(url);
  if (!loaded) {
    loaded = import(url).then((m: { default: unknown; origins?: OriginRow[] }) => {
      if (typeof m.default !== 'function') throw new TypeError(`module ${url} does not export a function`);
      if (Array.isArray(m.origins)) originsByUrl.set(url, m.origins);
      return m.default as (...args: unknown[]) => unknown;
    });
    modules.set(url, loaded);
  }
  return loaded;
}

function describeError(error: unknown, key: string | undefined, fnName: string, fnUrl: string): WireError {
  const wire = describeTaskFailure(error, key, fnName, toWireError) as WireError;
  const origins = originsByUrl.get(fnUrl);
  if (wire.stack !== undefined && origins !== undefined) wire.stack = mapStack(wire.stack, fnUrl, origins);
  return wire;
}

function fnNameOf(url: string): string {
  const match = /fn-([^/]*?)-[0-9a-f]+\.mjs/.exec(url);
  return match?.[1] ?? 'the task function';
}

/**
 * Runs a task; resolves with its result, or with undefined as soon as the task secedes (gives up the
 * thread, see task-context.ts): it then goes on beside the thread's next tasks, and its result is
 * posted on its own when it ends.
 */
async function runOne(task: ThreadTask): Promise<ThreadResult | undefined> {
  let released!: () => void;
  const seceded = new Promise<undefined>((resolve) => (released = () => resolve(undefined)));
  const context: TaskContext = {
    key: task.key,
    seceded: false,
    secede() {
      if (context.seceded || finished) return;
      context.seceded = true;
      post({ t: 'seceded', id: task.id });
      released();
    },
  };
  let finished = false;
  const outcome = taskContext.run(context, () => execute(task)).finally(() => (finished = true));
  const first = await Promise.race([outcome, seceded]);
  if (first !== undefined) return first;
  void outcome.then((result) => post({ t: 'results', results: [result] }));
  return undefined;
}

async function execute(task: ThreadTask): Promise<ThreadResult> {
  const start = performance.now();
  const startEpoch = performance.timeOrigin + start;
  currentKey = task.key;
  try {
    const fn = await loadFunction(task.fnUrl);
    const deps = new Map<string, unknown>();
    for (const [key, value] of task.deps) {
      if (value !== null) deps.set(key, decodeValue(value));
      else if (recent.has(key)) deps.set(key, recent.get(key));
      else return { id: task.id, requeue: true };
    }
    const args = decodeValue(task.args, { resolveRef: (key) => {
      if (!deps.has(key)) throw new Error(`input ${key} did not arrive with task ${task.key}`);
      return deps.get(key);
    } }) as unknown[];
    let result = task.actor ? runActorTask(task.actor, fn, args) : fn(...args);
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') result = await result;
    const encoded = encodeValue(result, { label: `the result of task ${task.key}` });
    // Large frames go back in SharedArrayBuffers: the worker keeps one copy that every thread reads.
    const value: StoredValue = { body: encoded.body, frames: shareLargeFrames(encoded.frames) };
    const nbytes = encodedSize(value);
    if (task.keep) remember(task.key, value, nbytes);
    return { id: task.id, ok: true, value, nbytes, duration: Math.round((performance.now() - start) * 1000), start: startEpoch, thread: threadIndex };
  } catch (error) {
    return { id: task.id, ok: false, error: describeError(error, task.key, fnNameOf(task.fnUrl), task.fnUrl), duration: Math.round((performance.now() - start) * 1000), start: startEpoch, thread: threadIndex };
  } finally {
    currentKey = undefined;
  }
}

function flush(): void {
  if (pending.length === 0) return;
  post({ t: 'results', results: pending });
  pending = [];
}

/** Worker setups queued on this thread; tasks start only once they have run. */
let setupsDone: Promise<void> = Promise.resolve();

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  let lastYield = performance.now();
  try {
    await setupsDone;
    while (queue.length > 0) {
      const task = queue.shift()!;
      if (dropped.delete(task.id)) continue;
      const result = await runOne(task);
      if (result) pending.push(result);
      const now = performance.now();
      if (now - lastYield > 1) {
        flush();
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    flush();
  } finally {
    running = false;
  }
}

async function runSetup(message: Extract<MainToThread, { t: 'run' | 'setup' }>): Promise<void> {
  try {
    const fn = await loadFunction(message.fnUrl);
    const args = decodeValue(message.args) as unknown[];
    let result = fn(...args);
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') result = await result;
    const encoded = encodeValue(result, { label: 'the result of run' });
    post({ t: 'run-result', id: message.id, ok: true, value: { body: encoded.body, frames: encoded.frames } });
  } catch (error) {
    post({ t: 'run-result', id: message.id, ok: false, error: describeError(error, undefined, fnNameOf(message.fnUrl), message.fnUrl) });
  }
}

port.on('message', (message: MainToThread) => {
  switch (message.t) {
    case 'tasks':
      queue.push(...message.tasks);
      void drain();
      break;
    case 'drop':
      for (const id of message.ids) dropped.add(id);
      break;
    case 'run':
      void runSetup(message);
      break;
    case 'setup':
      setupsDone = setupsDone.then(() => runSetup(message));
      break;
    case 'close-sockets':
      void Promise.allSettled(threadSockets.closers.map((close) => close())).then(() => post({ t: 'sockets-closed' }));
      break;
  }
});

post({ t: 'ready' });
