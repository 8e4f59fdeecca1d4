/**
 * The `sync` execution mode: every task runs at once in the caller, when it is submitted, so a debugger
 * and stack traces show the user's own code. Nothing is shipped; results stay in this process.
 */
import { CancelledError } from '../errors/index.js';
import type { WorkerSummary } from '../protocol/messages.js';
import type { ShippedFunction } from '../serialize/function-source.js';
import type { EncodedValue } from '../serialize/value-codec.js';
import { Future } from './future.js';
import type { PreparedTask, RunOutcome, Session, SessionListener } from './session.js';
import { replaceFutures } from './structure.js';

const SYNC_WORKER = 'sync';

export class SyncSession implements Session {
  readonly address = 'sync://in-process';
  readonly dashboardLink = undefined;
  #values = new Map<string, unknown>();
  #errors = new Map<string, Error>();
  /** The erred tasks, to run again on `retry`. */
  #erredTasks = new Map<string, PreparedTask>();

  constructor(private readonly listener: SessionListener) {}

  workerCount(): number {
    return 1;
  }

  submit(tasks: PreparedTask[]): void {
    for (const task of tasks) {
      if (this.#values.has(task.key) || this.#errors.has(task.key)) {
        this.#report(task.key);
        continue;
      }
      let inputError: Error | undefined;
      const args = replaceFutures(task.args, (future: Future<unknown>) => {
        const error = this.#errors.get(future.key);
        if (error) inputError ??= error;
        return this.#values.get(future.key);
      }) as unknown[];
      if (inputError) {
        this.#erredTasks.set(task.key, task);
        this.#settleError(task.key, inputError);
        continue;
      }
      let outcome: unknown;
      try {
        outcome = task.callable(...args);
      } catch (error) {
        this.#erredTasks.set(task.key, task);
        this.#settleError(task.key, error as Error);
        continue;
      }
      if (outcome !== null && typeof outcome === 'object' && typeof (outcome as PromiseLike<unknown>).then === 'function') {
        (outcome as PromiseLike<unknown>).then(
          (value) => this.#settleValue(task.key, value),
          (error: unknown) => {
            this.#erredTasks.set(task.key, task);
            this.#settleError(task.key, error as Error);
          },
        );
      } else {
        this.#settleValue(task.key, outcome);
      }
    }
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

  async run(_fn: ShippedFunction, callable: (...args: unknown[]) => unknown, args: unknown[]): Promise<RunOutcome> {
    const results = new Map<string, unknown>();
    const errors = new Map<string, Error>();
    try {
      results.set(SYNC_WORKER, await callable(...args));
    } catch (error) {
      errors.set(SYNC_WORKER, error as Error);
    }
    return { results, errors };
  }

  async registerSetup(_name: string, fn: ShippedFunction, _encoded: EncodedValue, _timeoutMs: number, callable: (...args: unknown[]) => unknown, args: unknown[]): Promise<RunOutcome> {
    // The caller is the only "worker": a setup runs once, here.
    return this.run(fn, callable, args);
  }

  async unregisterSetup(): Promise<RunOutcome> {
    return { results: new Map(), errors: new Map() };
  }

  async workerLogs(): Promise<Record<string, string[]>> {
    return { [SYNC_WORKER]: [] };
  }

  async scatter(keys: string[], values: unknown[], _encoded: EncodedValue[]): Promise<number[]> {
    keys.forEach((key, i) => this.#settleValue(key, values[i]));
    return keys.map(() => 0);
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
