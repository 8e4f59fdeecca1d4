/**
 * Runs and setups on every thread of the pool (client.run, worker setups): each is answered once every
 * thread it went to answered, or ended first (its answer is then the thread's failure).
 */
import type { WireError } from '../protocol/messages.js';
import type { StoredValue } from './thread-protocol.js';
import type { ThreadSlot } from './thread-slot.js';

/** One thread's answer to a run. */
export type RunResult = { ok: boolean; value?: StoredValue; error?: WireError };

/** A run or setup on every thread, answered once each thread answered (or died). */
interface PendingRun {
  waiting: Set<ThreadSlot>;
  results: RunResult[];
  done: (results: RunResult[]) => void;
}

/** The runs sent to threads and not yet answered by all of them. */
export class ThreadRuns {
  #runs = new Map<number, PendingRun>();
  #nextRun = 1;

  /** Sends a new run to each of `slots` (through `post`, with its id); resolves with their answers. */
  start(slots: ThreadSlot[], post: (slot: ThreadSlot, id: number) => void): Promise<RunResult[]> {
    const id = this.#nextRun++;
    return new Promise((resolve) => {
      if (slots.length === 0) return resolve([]);
      this.#runs.set(id, { waiting: new Set(slots), results: [], done: resolve });
      for (const slot of slots) post(slot, id);
    });
  }

  /** The thread of `slot` answered run `id`. */
  answer(id: number, slot: ThreadSlot, result: RunResult): void {
    const run = this.#runs.get(id);
    if (!run || !run.waiting.delete(slot)) return;
    run.results.push(result);
    if (run.waiting.size === 0) {
      this.#runs.delete(id);
      run.done(run.results);
    }
  }

  /** Runs waiting for a thread that ends get its failure as their answer. */
  abandon(slot: ThreadSlot, reason: string): void {
    for (const [id, run] of [...this.#runs]) {
      if (run.waiting.has(slot)) this.answer(id, slot, { ok: false, error: { name: 'WorkerThreadError', message: `a task thread ended before it finished: ${reason}` } });
    }
  }
}
