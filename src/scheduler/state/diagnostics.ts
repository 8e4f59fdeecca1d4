/**
 * What explains a broken scheduler state: the bounded log of recent transitions (`story(key)`) and the
 * invariant check run after each stimulus in tests. Neither decides anything, so both live outside the
 * transition engine.
 */
import type { ReadyQueue } from './ready-queue.js';
import { NO_TASKS, type TaskRecord, type TaskStateName } from './types.js';

export interface StoryEntry {
  key: string;
  from: TaskStateName;
  to: TaskStateName;
  stimulus: string;
  time: number;
}

const STORY_LENGTH = 20_000;

/** The last transitions, oldest first; the older half is dropped when it is full. */
export class TransitionStory {
  #entries: StoryEntry[] = [];

  record(key: string, from: TaskStateName, to: TaskStateName, stimulus: string): void {
    if (this.#entries.length >= STORY_LENGTH) this.#entries.splice(0, STORY_LENGTH / 2);
    this.#entries.push({ key, from, to, stimulus, time: Date.now() });
  }

  of(key: string): StoryEntry[] {
    return this.#entries.filter((entry) => entry.key === key);
  }
}

/** Checks the invariants; throws an Error naming the first broken one. */
export function checkInvariants(tasks: Iterable<TaskRecord>, ready: ReadyQueue): void {
  if (NO_TASKS.size > 0) throw new Error(`invalid scheduler state: the shared empty task set holds ${NO_TASKS.size} tasks (something added to it without link())`);
  for (const task of tasks) {
    const fail = (what: string) => {
      throw new Error(`invalid scheduler state for ${task.key} (${task.state}): ${what}`);
    };
    if (task.state === 'processing') {
      if (!task.processingOn || task.processingOn.status === 'removed') fail('processing on no live worker');
      if (!task.processingOn!.processing.has(task)) fail('not in its worker\'s processing set');
    } else if (task.processingOn) fail('has processingOn outside processing');
    if (task.state === 'memory' && task.holders.size === 0) fail('in memory without holders');
    if (task.state !== 'memory' && task.holders.size > 0) fail('has holders outside memory');
    for (const holder of task.holders) if (holder.status === 'removed') fail(`held by removed worker ${holder.id}`);
    if (task.state === 'queued' && !ready.has(task)) fail('queued but not in the ready queue');
    if (task.state === 'waiting') {
      for (const dep of task.waitingOn) if (dep.state === 'memory') fail(`waits on ${dep.key} which is in memory`);
    }
  }
}
