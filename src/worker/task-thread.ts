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
import { ActorOrder } from './actor-order.js';
import type { ActorServer } from './actor-server.js';
import { installFunctionRuntime, mapStack } from './function-runtime.js';
import { shareLargeFrames } from './stored-data.js';
import type { WireError } from '../protocol/messages.js';
import { stopWatchingHandshakes } from '../transport/handshake-watch.js';
import { setWorkerClientInfo, taskContext, threadSockets, workerClientInfo, type TaskContext, type WorkerClientInfo } from './task-context.js';
import type { MainToThread, StoredValue, ThreadOutcome, ThreadResult, ThreadTask, ThreadToMain } from './thread-protocol.js';

const port = parentPort!;
const threadIndex = (workerData as { index?: number } | undefined)?.index ?? 0;
setWorkerClientInfo((workerData as { client?: WorkerClientInfo } | undefined)?.client);
stopWatchingHandshakes();
threadSockets.opened = () => post({ t: 'sockets-opened' });
const queue: ThreadTask[] = [];
const dropped = new Set<number>();
/** An actor's thread: the order of its calls (actor-order.ts). */
const order = new ActorOrder((task) => queue.push(task));
/** An actor's thread: its actor, once constructed here, and its own endpoint once opened (actor-server.ts). */
let hosted: { actor: string; fnUrl: string } | undefined;
let server: ActorServer | undefined;
/** Set once the endpoint is being opened. */
let opening = false;
/** Set while the endpoint binds: tasks wait (a socket closed mid-bind would stay open, and ending the thread then aborts the process). */
let endpointBinding: Promise<void> | undefined;
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
type TaskFunction = (...args: unknown[]) => unknown;
const modules = new Map<string, Promise<TaskFunction>>();
/** Functions whose module has loaded, by URL: their tasks start without waiting for a promise. */
const loaded = new Map<string, TaskFunction>();
/** Where each loaded function module's pieces came from, for stacks. */
const originsByUrl = new Map<string, readonly OriginRow[]>();
function loadFunction(url: string): Promise<TaskFunction> {
  let loading = modules.get(url);
  if (!loading) {
    loading = import(url).then((m: { default: unknown; origins?: OriginRow[] }) => {
      if (typeof m.default !== 'function') throw new TypeError(`module ${url} does not export a function`);
      if (Array.isArray(m.origins)) originsByUrl.set(url, m.origins);
      loaded.set(url, m.default as TaskFunction);
      return m.default as TaskFunction;
    });
    modules.set(url, loading);
  }
  return loading;
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * Runs a task. A task whose function is loaded and returns a plain value is done before this returns
 * (no promise on the way: the common short task costs no turn of the microtask queue). Otherwise
 * resolves with its result, or with undefined as soon as the task secedes (gives up the thread, see
 * task-context.ts): it then goes on beside the thread's next tasks, and its result is posted on its
 * own when it ends.
 */
function runOne(task: ThreadTask): ThreadResult | Promise<ThreadResult | undefined> {
  let finished = false;
  // A secede before the race below exists (during the synchronous part of the call) is kept here.
  let secededEarly = false;
  let released = (): void => {
    secededEarly = true;
  };
  const context: TaskContext = {
    key: task.key,
    seceded: false,
    secede() {
      if (context.seceded || finished) return;
      context.seceded = true;
      if (!server?.serves(task)) post({ t: 'seceded', id: task.id });
      released();
    },
  };
  const outcome = taskContext.run(context, () => execute(task));
  if (!(outcome instanceof Promise)) {
    finished = true;
    // It seceded, then finished at once: its result goes on its own, as for any seceded task.
    if (context.seceded) {
      deliver(task, outcome, true);
      return Promise.resolve(undefined);
    }
    return outcome;
  }
  const ended = outcome.finally(() => (finished = true));
  const seceded = new Promise<undefined>((resolve) => {
    released = () => resolve(undefined);
    if (secededEarly) resolve(undefined);
  });
  return Promise.race([ended, seceded]).then((first) => {
    if (first !== undefined) return first;
    void ended.then((result) => deliver(task, result, true));
    return undefined;
  });
}

/** Runs the task's function: at once when its module has loaded, else after loading it. */
function execute(task: ThreadTask): ThreadResult | Promise<ThreadResult> {
  const start = performance.now();
  const startEpoch = performance.timeOrigin + start;
  currentKey = task.key;
  const fn = loaded.get(task.fnUrl);
  if (fn !== undefined) return call(task, fn, start, startEpoch);
  return loadFunction(task.fnUrl).then(
    (loadedFn) => call(task, loadedFn, start, startEpoch),
    (error: unknown) => failed(task, error, start, startEpoch),
  );
}

/** Decodes the inputs and arguments, calls `fn`, and encodes what it returns (or awaits it first). */
function call(task: ThreadTask, fn: TaskFunction, start: number, startEpoch: number): ThreadResult | Promise<ThreadResult> {
  let result: unknown;
  try {
    const deps = new Map<string, unknown>();
    for (const [key, value] of task.deps) {
      if (value !== null) deps.set(key, decodeValue(value));
      else if (recent.has(key)) deps.set(key, recent.get(key));
      else {
        currentKey = undefined;
        return { id: task.id, requeue: true };
      }
    }
    const args = decodeValue(task.args, { resolveRef: (key) => {
      if (!deps.has(key)) throw new Error(`input ${key} did not arrive with task ${task.key}`);
      return deps.get(key);
    } }) as unknown[];
    result = task.actor ? runActorTask(task.actor, fn, args) : fn(...args);
  } catch (error) {
    return failed(task, error, start, startEpoch);
  }
  if (!isThenable(result)) return finish(task, result, start, startEpoch);
  return Promise.resolve(result).then(
    (value) => finish(task, value, start, startEpoch),
    (error: unknown) => failed(task, error, start, startEpoch),
  );
}

/** The task's result, encoded for the main thread. */
function finish(task: ThreadTask, result: unknown, start: number, startEpoch: number): ThreadResult {
  try {
    const encoded = encodeValue(result, { label: `the result of task ${task.key}` });
    // Large frames go back in SharedArrayBuffers: the worker keeps one copy that every thread reads.
    const value: StoredValue = { body: encoded.body, frames: shareLargeFrames(encoded.frames) };
    const nbytes = encodedSize(value);
    if (task.keep) remember(task.key, value, nbytes);
    return { id: task.id, ok: true, value, nbytes, duration: Math.round((performance.now() - start) * 1000), start: startEpoch, thread: threadIndex };
  } catch (error) {
    return failed(task, error, start, startEpoch);
  } finally {
    currentKey = undefined;
  }
}

function failed(task: ThreadTask, error: unknown, start: number, startEpoch: number): ThreadResult {
  currentKey = undefined;
  return { id: task.id, ok: false, error: describeError(error, task.key, fnNameOf(task.fnUrl), task.fnUrl), duration: Math.round((performance.now() - start) * 1000), start: startEpoch, thread: threadIndex };
}

/**
 * A task's end: answered at the actor's endpoint when it came in there, else sent to the main thread
 * (with the next batch, or at once when `alone`: a seceded task's result goes on its own).
 */
function deliver(task: ThreadTask, result: ThreadResult, alone: boolean): void {
  if (server?.serves(task)) server.finished(task, result as ThreadOutcome);
  else if (alone) post({ t: 'results', results: [result] });
  else pending.push(result);
}

/** The actor's own endpoint, opened on its first direct call (which names its worker's address). */
function openEndpoint(task: ThreadTask): void {
  if (opening || !hosted || task.actor?.direct === undefined) return;
  opening = true;
  const { actor, fnUrl } = hosted;
  const workerAddress = task.actor.direct.worker;
  // Loaded on demand: a task thread that hosts no directly called actor loads no ZeroMQ (memory per thread).
  const binding = import('./actor-server.js').then(({ ActorServer }) => {
    const opened = new ActorServer(actor, fnUrl, (call) => {
      order.admit(call);
      void drain();
    }, workerClientInfo()?.security);
    server = opened;
    threadSockets.opened();
    threadSockets.closers.push(async () => {
      await binding;
      opened.closeNow('its thread is ending (the actor was released, or its worker is closing)');
    });
    return opened.open(workerAddress);
  }).catch((error: unknown) => {
    console.warn(`actor ${actor}: could not open its own endpoint (${(error as Error).message}); its direct calls keep going through the worker`);
  });
  endpointBinding = binding.finally(() => (endpointBinding = undefined));
}

/** How long an ending actor thread waits for its worker to take note before it answers its endpoint's calls. */
const ENDING_WAIT_MS = 1_000;

// An actor that ends its thread (process.exit, an uncaught error) closes its endpoint first: ZeroMQ
// aborts the process otherwise. Its worker hears of the end first, so that the scheduler knows the actor
// is lost before a client whose call here fails with ActorLostError sends the next one through it.
process.on('exit', (code) => {
  if (!server || server.closed) return;
  const proceed = new Int32Array(new SharedArrayBuffer(4));
  post({ t: 'ending', reason: `thread exited with code ${code}`, proceed });
  Atomics.wait(proceed, 0, 0, ENDING_WAIT_MS);
  server.closeNow(`its thread ended (exit code ${code})`);
});

function flush(): void {
  if (pending.length === 0) return;
  post({ t: 'results', results: pending });
  pending = [];
}

/** Worker setups queued on this thread; tasks start only once they have run. */
let setupsDone: Promise<void> = Promise.resolve();
/** Setups queued and not yet run: while none is, tasks start without waiting a turn for `setupsDone`. */
let setupsPending = 0;

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  let lastYield = performance.now();
  try {
    // Without setups to wait for, a short task runs within the message that brought it (no turn lost).
    if (setupsPending > 0) await setupsDone;
    while (queue.length > 0) {
      const task = queue.shift()!;
      if (dropped.delete(task.id)) continue;
      // A call that came in at the actor's endpoint and was answered already (the endpoint closed) does not run.
      if (task.id < 0 && !server?.serves(task)) continue;
      if (endpointBinding) await endpointBinding;
      server?.started(task);
      const outcome = runOne(task);
      const result = outcome instanceof Promise ? await outcome : outcome;
      if (result) deliver(task, result, false);
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
      for (const task of message.tasks) {
        if (task.actor?.kind === 'create') hosted = { actor: task.actor.actor, fnUrl: task.fnUrl };
        else if (task.actor?.direct) openEndpoint(task);
        order.admit(task);
      }
      void drain();
      break;
    case 'drop':
      for (const id of message.ids) dropped.add(id);
      break;
    case 'run':
      void runSetup(message);
      break;
    case 'setup':
      setupsPending++;
      setupsDone = setupsDone.then(() => runSetup(message)).finally(() => setupsPending--);
      break;
    case 'close-sockets':
      void Promise.allSettled(threadSockets.closers.map((close) => close())).then(() => post({ t: 'sockets-closed' }));
      break;
  }
});

post({ t: 'ready' });
