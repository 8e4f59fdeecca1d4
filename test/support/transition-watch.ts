/**
 * What `withCluster` learns from the scheduler's `transition` events: each key's state and last moves,
 * waits for a key to reach a state (resolved by the event, never by polling), the transition cap, and
 * the list of pending tasks for a time-out message.
 */
import type { SchedulerServer, TransitionEvent } from '../../src/index.js';
import { Waiters } from './waiters.js';

/** A task state of the scheduler's life cycle (src/scheduler/state/transitions.ts). */
export type TaskStateName = TransitionEvent['to'];

export interface WaitOptions {
  /** Give up after this many milliseconds. @defaultValue 15000 */
  timeoutMs?: number;
}

/** States in which a task will still produce a result: what a time-out lists as pending. */
const PENDING: ReadonlySet<TaskStateName> = new Set(['released', 'waiting', 'queued', 'processing']);
/** Moves kept per key for messages. */
const HISTORY = 8;
/** Keys named in a message before "and N more". */
const LISTED = 20;

interface KeyRecord {
  state: TaskStateName;
  worker: string | undefined;
  moves: number;
  history: string[];
}

export class TransitionWatch {
  /** Transitions seen since the watch started. */
  count = 0;
  /** Rejects when the scheduler runs more transitions than the cap (never resolves). */
  readonly capExceeded: Promise<never>;
  readonly #keys = new Map<string, KeyRecord>();
  readonly #waiters = new Waiters<TransitionEvent>();
  readonly #onTransition = (event: TransitionEvent): void => this.#record(event);
  #failCap: (error: Error) => void = () => undefined;
  #capBroken = false;

  constructor(private readonly scheduler: SchedulerServer, readonly cap: number) {
    this.capExceeded = new Promise<never>((_, reject) => {
      this.#failCap = reject;
    });
    // Unhandled until the race in withCluster awaits it; a failed cap is also reported there.
    this.capExceeded.catch(() => undefined);
    scheduler.on('transition', this.#onTransition);
  }

  close(): void {
    this.scheduler.off('transition', this.#onTransition);
  }

  /** The state of `key` as the events told it: undefined before its first transition. */
  stateOf(key: string): TaskStateName | undefined {
    return this.#keys.get(key)?.state;
  }

  waitFor(key: string, state: TaskStateName | readonly TaskStateName[], { timeoutMs = 15_000 }: WaitOptions = {}): Promise<void> {
    const states: ReadonlySet<TaskStateName> = new Set(typeof state === 'string' ? [state] : state);
    const now = this.stateOf(key);
    if (now !== undefined && states.has(now)) return Promise.resolve();
    return this.#waiters.wait((event) => event.key === key && states.has(event.to), timeoutMs, () => {
      const record = this.#keys.get(key);
      const seen = record
        ? `it is ${record.state}${record.worker ? ` on ${record.worker}` : ''}; its last moves: ${record.history.join(', ')}`
        : 'the scheduler never moved it (not submitted, or under another key?)';
      return `timed out after ${timeoutMs} ms waiting for task ${key} to be ${[...states].join(' or ')}: ${seen}`;
    });
  }

  /** Pending tasks with their states (and workers), and the count of every state: for a time-out message. */
  describePending(): string {
    const pending: string[] = [];
    const counts: Record<string, number> = {};
    for (const [key, record] of this.#keys) {
      counts[record.state] = (counts[record.state] ?? 0) + 1;
      if (PENDING.has(record.state)) pending.push(`${key} (${record.state}${record.worker ? ` on ${record.worker}` : ''})`);
    }
    const listed = pending.length === 0 ? 'none' : `${pending.slice(0, LISTED).join(', ')}${pending.length > LISTED ? ` and ${pending.length - LISTED} more` : ''}`;
    return `pending futures: ${listed}; tasks by state: ${JSON.stringify(counts)}`;
  }

  #record(event: TransitionEvent): void {
    this.count++;
    let record = this.#keys.get(event.key);
    if (!record) this.#keys.set(event.key, (record = { state: event.to, worker: undefined, moves: 0, history: [] }));
    record.state = event.to;
    record.worker = event.to === 'processing' ? event.worker : undefined;
    record.moves++;
    record.history.push(`${event.from}->${event.to} (${event.stimulus})`);
    if (record.history.length > HISTORY) record.history.shift();
    this.#waiters.notify(event);
    if (this.count > this.cap && !this.#capBroken) {
      this.#capBroken = true;
      this.#failCap(new Error(this.#capMessage(event)));
    }
  }

  #capMessage(last: TransitionEvent): string {
    const busiest = [...this.#keys].sort((a, b) => b[1].moves - a[1].moves).slice(0, 5);
    const named = busiest.map(([key, record]) => `${key}: ${record.moves} moves, last ${record.history.slice(-3).join(', ')}`).join('; ');
    return (
      `the scheduler ran more than ${this.cap} transitions, the cap of this test (a transition storm: tasks moving back and forth?); ` +
      `the one over the cap was ${last.key} ${last.from}->${last.to} (${last.stimulus}). Keys that moved most: ${named}. ` +
      'If the test really needs more, raise its `transitionCap`.'
    );
  }
}
