/**
 * The `sync` execution mode: every task runs at once in the caller, when it is submitted, so a debugger
 * and stack traces show the user's own code. It is honest about what a cluster would do: arguments
 * are decoded from the same encoding a worker receives, results cross the same codec (a result a
 * worker could not send fails here too), and errors come back wrapped as a worker's do (`TaskError`
 * keeping the name and stack). Results stay in this process.
 */
import { CancelledError } from '../errors/index.js';
import type { WorkerSummary } from '../protocol/messages.js';
import { fromWireError, toWireError } from '../protocol/wire-error.js';
import type { ShippedFunction } from '../serialize/function-source.js';
import { describeTaskFailure } from '../serialize/reference-error.js';
import { decodeValue, encodeValue, encodedSize, type EncodedValue } from '../serialize/value-codec.js';
import type { PreparedTask, RunOutcome, Session, SessionListener } from './session.js';

/** An error as a worker would report it: through the wire form and back. */
function asWorkerError(error: unknown, key: string | undefined, fnName: string): Error {
  return fromWireError(describeTaskFailure(error, key, fnName, toWireError));
}

/** A value as it arrives after a worker encoded it: a decoded copy, or the codec's refusal. */
function throughCodec(value: unknown, label: string): { value: unknown; nbytes: number } {
  const encoded = encodeValue(value, { label });
  return { value: decodeValue(encoded), nbytes: encodedSize(encoded) };
}

const SYNC_WORKER = 'sync';

export class SyncSession implements Session {
  readonly address = 'sync://in-process';
  readonly dashboardLink = undefined;
  #values = new Map<string, unknown>();
  #errors = new Map<string, Error>();
  /** The erred tasks, to run again on `retry`. */
  #erredTasks = new Map<string, PreparedTask>();
  /** Async tasks still running, by key, so that their dependents wait for them. */
  #pending = new Map<string, Promise<void>>();

  constructor(private readonly listener: SessionListener) {}

  workerCount(): number {
    return 1;
  }

  submit(tasks: PreparedTask[]): void {
    for (const task of tasks) this.#start(task);
  }

  /**
   * Runs a task now, or once the async tasks it depends on have settled: on a cluster a task never
   * starts before its inputs are in memory, so neither may it here (it would read `undefined`).
   */
  #start(task: PreparedTask): void {
    if (this.#values.has(task.key) || this.#errors.has(task.key)) {
      this.#report(task.key);
      return;
    }
    // The same key already running: its settlement reports to every holder of the key.
    if (this.#pending.has(task.key)) return;
    const inputsRunning = task.encoded.refs.flatMap((key) => {
      const settled = this.#pending.get(key);
      return settled === undefined ? [] : [settled];
    });
    if (inputsRunning.length > 0) {
      this.#track(task.key, Promise.all(inputsRunning).then(() => this.#runNow(task)));
      return;
    }
    const settled = this.#runNow(task);
    if (settled !== undefined) this.#track(task.key, settled);
  }

  /** Remembers a running task until it settles (the promise never rejects: errors settle the key). */
  #track(key: string, settled: Promise<void>): void {
    const tracked: Promise<void> = settled.finally(() => {
      if (this.#pending.get(key) === tracked) this.#pending.delete(key);
    });
    this.#pending.set(key, tracked);
  }

  /** Runs a task whose inputs have settled; returns a promise when the task itself is async. */
  #runNow(task: PreparedTask): Promise<void> | undefined {
    const inputError = task.encoded.refs.map((key) => this.#errors.get(key)).find((error) => error !== undefined);
    if (inputError) {
      this.#erredTasks.set(task.key, task);
      this.#settleError(task.key, inputError);
      return undefined;
    }
    let outcome: unknown;
    try {
      // The arguments a worker would get: decoded from their encoding, futures replaced by their values.
      const args = decodeValue(task.encoded, { resolveRef: (key) => this.#values.get(key) }) as unknown[];
      outcome = task.callable(...args);
    } catch (error) {
      this.#erredTasks.set(task.key, task);
      this.#settleError(task.key, asWorkerError(error, task.key, task.fn.name));
      return undefined;
    }
    if (outcome !== null && typeof outcome === 'object' && typeof (outcome as PromiseLike<unknown>).then === 'function') {
      return Promise.resolve(outcome).then(
        (value) => this.#settleResult(task, value),
        (error: unknown) => {
          this.#erredTasks.set(task.key, task);
          this.#settleError(task.key, asWorkerError(error, task.key, task.fn.name));
        },
      );
    }
    this.#settleResult(task, outcome);
    return undefined;
  }

  #settleResult(task: PreparedTask, value: unknown): void {
    let sent;
    try {
      sent = throughCodec(value, `the result of task ${task.key}`);
    } catch (error) {
      this.#erredTasks.set(task.key, task);
      this.#settleError(task.key, asWorkerError(error, task.key, task.fn.name));
      return;
    }
    this.#values.set(task.key, sent.value);
    this.listener.finished(task.key, sent.nbytes, { value: sent.value, hasValue: true });
  }

  #report(key: string): void {
    const error = this.#errors.get(key);
    if (error) this.listener.erred(key, error);
    else this.listener.finished(key, 0, { value: this.#values.get(key), hasValue: true });
  }

  #settleValue(key: string, value: unknown): void {
    this.#values.set(key, value);
    this.listener.finished(key, 0, { value, hasValue: true });
  }

  #settleError(key: string, error: Error): void {
    this.#errors.set(key, error);
    this.listener.erred(key, error);
  }

  release(keys: string[]): void {
    for (const key of keys) {
      this.#values.delete(key);
      this.#errors.delete(key);
      this.#erredTasks.delete(key);
    }
  }

  retry(keys: string[]): void {
    for (const key of keys) this.#retryOne(key, 0);
  }

  /** Runs an erred task again, its erred inputs first (the depth bounds a pathological chain). */
  #retryOne(key: string, depth: number): void {
    const task = this.#erredTasks.get(key);
    if (!task || depth > 10_000) return;
    for (const dep of task.encoded.refs) {
      if (this.#erredTasks.has(dep)) {
        this.listener.retried(dep);
        this.#retryOne(dep, depth + 1);
      }
    }
    this.#erredTasks.delete(key);
    this.#errors.delete(key);
    this.submit([task]);
  }

  cancel(keys: string[]): void {
    // Tasks already ran when they were submitted; a cancel only marks them.
    for (const key of keys) this.#settleError(key, new CancelledError(`${key} was cancelled`, { keys: [key] }));
  }

  async fetch(keys: string[]): Promise<Map<string, unknown>> {
    return new Map(keys.filter((k) => this.#values.has(k)).map((k) => [k, this.#values.get(k)]));
  }

  async run(fn: ShippedFunction, callable: (...args: unknown[]) => unknown, _args: unknown[], encoded: EncodedValue): Promise<RunOutcome> {
    const results = new Map<string, unknown>();
    const errors = new Map<string, Error>();
    try {
      const value = await callable(...(decodeValue(encoded) as unknown[]));
      results.set(SYNC_WORKER, throughCodec(value, 'the result of run').value);
    } catch (error) {
      errors.set(SYNC_WORKER, asWorkerError(error, undefined, fn.name));
    }
    return { results, errors };
  }

  async registerSetup(_name: string, fn: ShippedFunction, encoded: EncodedValue, _timeoutMs: number, callable: (...args: unknown[]) => unknown, args: unknown[]): Promise<RunOutcome> {
    // The caller is the only "worker": a setup runs once, here.
    return this.run(fn, callable, args, encoded);
  }

  async unregisterSetup(): Promise<RunOutcome> {
    return { results: new Map(), errors: new Map() };
  }

  async workerLogs(): Promise<Record<string, string[]>> {
    return { [SYNC_WORKER]: [] };
  }

  async scatter(keys: string[], _values: unknown[], encoded: EncodedValue[]): Promise<number[]> {
    // What a worker would hold: a decoded copy of what was sent.
    keys.forEach((key, i) => this.#settleValue(key, decodeValue(encoded[i]!)));
    return encoded.map((e) => encodedSize(e));
  }

  async upload(): Promise<{ workers: string[]; errors: Map<string, Error> }> {
    // In sync mode tasks import modules relative to their own source file; nothing needs copying.
    return { workers: [SYNC_WORKER], errors: new Map() };
  }

  async info(): Promise<{ workers: WorkerSummary[]; tasks: Record<string, number> }> {
    return {
      workers: [{ id: SYNC_WORKER, name: SYNC_WORKER, host: 'localhost', address: this.address, nthreads: 1, memoryLimit: 0, memory: process.memoryUsage.rss(), running: 0, queued: 0, resources: {}, pid: process.pid }],
      tasks: { memory: this.#values.size, erred: this.#errors.size },
    };
  }

  async whoHas(keys: string[]): Promise<Record<string, string[]>> {
    return Object.fromEntries(keys.map((k) => [k, this.#values.has(k) ? [SYNC_WORKER] : []]));
  }

  async taskStream(): Promise<import('../protocol/messages.js').TaskRunRecord[]> {
    // Sync mode runs tasks in the caller; it keeps no task stream.
    return [];
  }

  async close(): Promise<void> {
    this.#values.clear();
    this.#errors.clear();
  }
}
