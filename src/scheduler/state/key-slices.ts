/**
 * Submits, cancels and releases of many keys, taken a slice of keys at a time (see slice-stats.ts), in
 * the order they arrived. A later one never overtakes an earlier one: a cancel sent while a big submit is
 * still being taken in applies once every key of that submit is in the graph. So are the stimuli that
 * reach over every task a client wants (it left, or a restart drops what it held) and over every task
 * (a restart cancels them all): while one of those is under way, the client's messages, or every
 * client's, wait (see busyWith), so no task submitted after it is caught by it.
 */
import type { TaskSpec } from '../../protocol/messages.js';
import { cancelKeys, dropWant, linkParked, releaseKeys, submitTasks } from './client-stimuli.js';
import { cancelOne } from './cluster-stimuli.js';
import type { TransitionEngine } from './engine.js';
import { SLICE_KEYS } from './slice-stats.js';
import type { ClientRecord, TaskRecord } from './types.js';

type KeyJob =
  | { kind: 'submit'; client: ClientRecord; specs: readonly TaskSpec[]; next: number; keys?: Set<string>; parked: TaskRecord[] }
  | { kind: 'release'; client: ClientRecord; keys: readonly string[]; next: number }
  | { kind: 'cancel'; client: ClientRecord; keys: readonly string[]; force: boolean; next: number }
  | { kind: 'drop'; client: ClientRecord; items: Iterator<TaskRecord> }
  | { kind: 'cancel-all'; client: undefined; reason: string; items: Iterator<TaskRecord> };

/** The queue of sliced key stimuli, first in first out. */
export class KeySlices {
  #jobs: KeyJob[] = [];

  constructor(private readonly engine: TransitionEngine) {}

  get size(): number {
    return this.#jobs.length;
  }

  /** True while `client` has keys not yet taken: what it says next must wait for them. */
  busyWith(client: ClientRecord): boolean {
    for (const job of this.#jobs) if (job.client === client || job.kind === 'cancel-all') return true;
    return false;
  }

  /** Whether a stimulus of `count` keys from `client` goes through the queue rather than at once. */
  mustQueue(client: ClientRecord, count: number): boolean {
    return count > SLICE_KEYS || this.busyWith(client);
  }

  submit(client: ClientRecord, specs: readonly TaskSpec[]): void {
    this.#jobs.push({ kind: 'submit', client, specs, next: 0, parked: [] });
  }

  release(client: ClientRecord, keys: readonly string[]): void {
    this.#jobs.push({ kind: 'release', client, keys, next: 0 });
  }

  cancel(client: ClientRecord, keys: readonly string[], force: boolean): void {
    this.#jobs.push({ kind: 'cancel', client, keys, force, next: 0 });
  }

  /** A client left: what it still had queued is dropped (its wants are released anyway). */
  dropClient(client: ClientRecord): void {
    this.#jobs = this.#jobs.filter((job) => job.client !== client || job.kind === 'drop');
  }

  /** `client` (a client that left, or a holder) lets go of every task it wants, a slice at a time. */
  dropWants(client: ClientRecord): void {
    this.#jobs.push({ kind: 'drop', client, items: client.wants.values() });
  }

  /**
   * Every task is cancelled (client.restart), a slice at a time: submits, releases and cancels still
   * queued are dropped (what they would add is cancelled too); what holders let go of stays queued.
   */
  cancelAll(reason: string): void {
    this.#jobs = this.#jobs.filter((job) => job.kind === 'drop');
    this.#jobs.push({ kind: 'cancel-all', client: undefined, reason, items: this.engine.tasks.values() });
  }

  /** Takes one slice of the oldest job. Returns the keys taken. */
  runSlice(): number {
    const job = this.#jobs[0];
    if (!job) return 0;
    const engine = this.engine;
    if (job.kind === 'drop' || job.kind === 'cancel-all') return this.#sweepSlice(job);
    const from = job.next;
    const total = job.kind === 'submit' ? job.specs.length : job.keys.length;
    const to = Math.min(total, from + SLICE_KEYS);
    job.next = to;
    if (job.kind === 'submit') {
      const laterInSubmit = (key: string): boolean => {
        // Built once, only when an input is missing: clients submit inputs before their dependents.
        job.keys ??= new Set(job.specs.map((s) => s.key));
        return job.keys.has(key);
      };
      submitTasks(engine, job.client, job.specs, from, to, laterInSubmit, job.parked);
      if (to === total && job.parked.length > 0) linkParked(engine, job.client, job.parked);
    } else if (job.kind === 'release') {
      releaseKeys(engine, job.client, job.keys, from, to);
    } else {
      cancelKeys(engine, job.client, job.keys, job.force, from, to);
    }
    if (to === total) this.#jobs.shift();
    return to - from;
  }

  /** One slice of a job over a live iterator (see dropWants, cancelAll). */
  #sweepSlice(job: Extract<KeyJob, { items: Iterator<TaskRecord> }>): number {
    const engine = this.engine;
    let taken = 0;
    let done = false;
    const client = job.client;
    engine.run(client ? `remove-client-${client.id}` : 'restart', () => {
      while (taken < SLICE_KEYS) {
        const next = job.items.next();
        if (next.done) {
          done = true;
          break;
        }
        taken++;
        if (client) dropWant(engine, client, next.value);
        else cancelOne(engine, next.value, (job as { reason: string }).reason);
      }
    });
    if (done) this.#jobs.shift();
    return taken;
  }
}
