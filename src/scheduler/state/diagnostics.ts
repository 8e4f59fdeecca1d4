/**
 * What explains a broken scheduler state: the bounded log of recent transitions (`story(key)`) and the
 * invariant check run after each stimulus in tests. Neither decides anything, so both live outside the
 * transition engine.
 */
import type { ReadyQueue } from './ready-queue.js';
import { NO_TASKS, NO_WORKERS, PENDING_STATES, type TaskRecord, type TaskStateName } from './types.js';

/** One transition of a task, as `scheduler.view.story(key)` lists them (distributed's `story`). */
export interface StoryEntry {
  /** The task's key. */
  key: string;
  /** The state it left. */
  from: TaskStateName;
  /** The state it entered. */
  to: TaskStateName;
  /** What caused the transition (a message op or an internal stimulus, e.g. `task-finished`). */
  stimulus: string;
  /** When, in milliseconds since the epoch. */
  time: number;
}

const STORY_LENGTH = 20_000;

/**
 * The last STORY_LENGTH transitions, in a ring of parallel arrays: recording runs several times per task,
 * so it writes into slots made once instead of allocating an entry each time.
 */
export class TransitionStory {
  // Filled in order, so the first lap appends; later laps overwrite the oldest slot.
  readonly #keys: string[] = [];
  readonly #from: TaskStateName[] = [];
  readonly #to: TaskStateName[] = [];
  readonly #stimuli: string[] = [];
  /** A typed array: a time is a heap number in a plain array, one allocation per transition (promoted, as the ring is old). */
  readonly #times = new Float64Array(STORY_LENGTH);
  /** Transitions recorded so far; the next goes to slot `#count % STORY_LENGTH`. */
  #count = 0;

  record(key: string, from: TaskStateName, to: TaskStateName, stimulus: string): void {
    const slot = this.#count++ % STORY_LENGTH;
    this.#keys[slot] = key;
    this.#from[slot] = from;
    this.#to[slot] = to;
    this.#stimuli[slot] = stimulus;
    this.#times[slot] = Date.now();
  }

  /** The recorded transitions of `key`, oldest first. */
  of(key: string): StoryEntry[] {
    const entries: StoryEntry[] = [];
    for (let i = Math.max(0, this.#count - STORY_LENGTH); i < this.#count; i++) {
      const slot = i % STORY_LENGTH;
      if (this.#keys[slot] !== key) continue;
      entries.push({ key, from: this.#from[slot]!, to: this.#to[slot]!, stimulus: this.#stimuli[slot]!, time: this.#times[slot]! });
    }
    return entries;
  }
}

/** Checks the invariants; throws an Error naming the first broken one. */
export function checkInvariants(tasks: Iterable<TaskRecord>, ready: ReadyQueue, counted?: Record<string, number>): void {
  const scanned: Record<string, number> = {};
  if (NO_WORKERS.size > 0) throw new Error(`invalid scheduler state: the shared empty holder set holds ${NO_WORKERS.size} workers (something added to it without addHolder())`);
  if (NO_TASKS.size > 0) throw new Error(`invalid scheduler state: the shared empty task set holds ${NO_TASKS.size} tasks (something added to it without link())`);
  for (const task of tasks) {
    const fail = (what: string) => {
      throw new Error(`invalid scheduler state for ${task.key} (${task.state}): ${what}`);
    };
    if (task.state === 'processing') {
      if (!task.processingOn || task.processingOn.status === 'removed') fail('processing on no live worker');
      if (!task.processingOn!.processing.has(task)) fail('not in its worker\'s processing set');
      for (const dep of task.waitingOn) {
        if (dep.processingOn !== task.processingOn) fail(`sent ahead to ${task.processingOn!.id} behind ${dep.key}, which is ${dep.state} on ${dep.processingOn?.id ?? 'no worker'}`);
      }
    } else if (task.processingOn) fail('has processingOn outside processing');
    if (task.state === 'memory' && task.holders.size === 0) fail('in memory without holders');
    if (task.state !== 'memory' && task.holders.size > 0) fail('has holders outside memory');
    for (const holder of task.holders) if (holder.status === 'removed') fail(`held by removed worker ${holder.id}`);
    if (task.state === 'queued' && !ready.has(task)) fail('queued but not in the ready queue');
    let pendingDependents = 0;
    for (const dependent of task.dependents) if (PENDING_STATES.has(dependent.state)) pendingDependents++;
    if (pendingDependents !== task.pendingDependents) fail(`counts ${task.pendingDependents} pending dependents, has ${pendingDependents}`);
    if (task.state === 'waiting') {
      for (const dep of task.waitingOn) if (dep.state === 'memory') fail(`waits on ${dep.key} which is in memory`);
    }
    scanned[task.state] = (scanned[task.state] ?? 0) + 1;
  }
  // The counts kept as tasks move (state-counts.ts) must be what a scan of the graph finds.
  if (counted && JSON.stringify(Object.entries(counted).sort()) !== JSON.stringify(Object.entries(scanned).sort())) {
    throw new Error(`invalid scheduler state: tasks counted by state ${JSON.stringify(counted)}, found ${JSON.stringify(scanned)}`);
  }
}
