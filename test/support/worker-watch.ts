/**
 * What `withCluster` learns from the scheduler's worker events: each worker's last state by name, and
 * waits for a worker to reach one, resolved by the event.
 */
import type { SchedulerServer, WorkerSummary } from '../../src/index.js';
import type { WaitOptions } from './transition-watch.js';
import { Waiters } from './waiters.js';

/**
 * `added`: registered; `retired`: retired on purpose since it last registered (it may be gone already);
 * `removed`: gone (for any reason).
 */
export type WorkerStateName = 'added' | 'retired' | 'removed';

export class WorkerWatch {
  readonly #states = new Map<string, { state: WorkerStateName; retired: boolean; history: string[] }>();
  readonly #waiters = new Waiters<{ name: string; state: WorkerStateName }>();
  readonly #onAdded = (worker: WorkerSummary): void => this.#set(worker.name, 'added', 'registered');
  readonly #onRetired = (name: string): void => this.#set(name, 'retired', 'retired');
  readonly #onRemoved = (worker: WorkerSummary, reason: string): void => this.#set(worker.name, 'removed', `removed: ${reason}`);

  constructor(private readonly scheduler: SchedulerServer) {
    for (const worker of scheduler.workerSummaries()) this.#states.set(worker.name, { state: 'added', retired: false, history: ['registered before the watch began'] });
    scheduler.on('worker-added', this.#onAdded);
    scheduler.on('worker-retired', this.#onRetired);
    scheduler.on('worker-removed', this.#onRemoved);
  }

  close(): void {
    this.scheduler.off('worker-added', this.#onAdded);
    this.scheduler.off('worker-retired', this.#onRetired);
    this.scheduler.off('worker-removed', this.#onRemoved);
  }

  waitFor(name: string, state: WorkerStateName, { timeoutMs = 15_000 }: WaitOptions = {}): Promise<void> {
    const now = this.#states.get(name);
    if (now?.state === state || (state === 'retired' && now?.retired)) return Promise.resolve();
    return this.#waiters.wait((event) => event.name === name && event.state === state, timeoutMs, () => {
      const record = this.#states.get(name);
      const known = [...this.#states.keys()].sort().join(', ') || 'none';
      const seen = record ? `it is ${record.state} (${record.history.join(', ')})` : `the scheduler never saw it (workers seen: ${known})`;
      return `timed out after ${timeoutMs} ms waiting for worker ${name} to be ${state}: ${seen}`;
    });
  }

  #set(name: string, state: WorkerStateName, what: string): void {
    let record = this.#states.get(name);
    if (!record) this.#states.set(name, (record = { state, retired: false, history: [] }));
    record.state = state;
    if (state !== 'removed') record.retired = state === 'retired';
    record.history.push(what);
    this.#waiters.notify({ name, state });
  }
}
