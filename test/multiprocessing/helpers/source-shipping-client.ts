/**
 * A TaskClient that runs each task the way flotilla workers will: the function travels as source
 * text to a worker thread, which imports it as a module (fixtures/task-thread.mjs). A wrapper that
 * reads a variable of its author's scope fails here exactly as it would on a cluster.
 */
import { Worker } from 'node:worker_threads';
import { CancelledError, TaskError } from '../../../src/errors/index.js';
import type { TaskClient } from '../../../src/multiprocessing/index.js';

const TASK_THREAD = new URL('../fixtures/task-thread.mjs', import.meta.url);

type Reply = { ok: true; value: unknown } | { ok: false; name: string; message: string; stack?: string };

export class SourceShippingClient implements TaskClient {
  readonly #moduleDir: string;
  readonly #workers = new Set<Worker>();

  /** @param moduleDir - A folder for the function modules (one per distinct source). */
  constructor(moduleDir: string) {
    this.#moduleDir = moduleDir;
  }

  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> & { cancel(): Promise<void> } {
    const worker = new Worker(TASK_THREAD, { workerData: { source: fn.toString(), args, moduleDir: this.#moduleDir } });
    this.#workers.add(worker);
    let rejectEarly: ((error: Error) => void) | undefined;
    const result = new Promise<Awaited<R>>((resolve, reject) => {
      rejectEarly = reject;
      worker.once('message', (reply: Reply) => {
        if (reply.ok) resolve(reply.value as Awaited<R>);
        else reject(new TaskError(reply.message, { name: reply.name, ...(reply.stack === undefined ? {} : { remoteStack: reply.stack }) }));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`task thread exited with code ${code} before replying`)));
    }).finally(() => {
      this.#workers.delete(worker);
      void worker.terminate();
    });
    return Object.assign(result, {
      cancel: async () => {
        rejectEarly?.(new CancelledError('task cancelled'));
        await worker.terminate();
      },
    });
  }

  /** Ends any task thread still running. */
  async close(): Promise<void> {
    await Promise.all([...this.#workers].map((worker) => worker.terminate()));
  }
}
