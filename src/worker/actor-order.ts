/**
 * The order of an actor's calls on its thread, whichever way each came: direct calls (a client sent them
 * straight to the actor, through its worker's data service or the actor thread's own endpoint, see
 * actor-server.ts) run as they arrive; a call the scheduler sent that must follow a direct call of the
 * same handle (`after`, the handle's direct sequence number) is parked until that direct call has
 * arrived, and the scheduler's calls behind it wait with it. So a handle's calls run in the order it
 * made them. The parking is here, on the thread, because only the thread sees every direct call.
 */
import type { ThreadTask } from './thread-protocol.js';

export class ActorOrder {
  /** Handle → the sequence number of the last direct call of that handle that arrived. */
  readonly #seen = new Map<string, number>();
  /** Scheduler-sent calls parked behind a direct call not arrived yet, in arrival order. */
  #parked: ThreadTask[] = [];

  constructor(private readonly run: (task: ThreadTask) => void) {}

  /** Calls parked now. */
  get parked(): number {
    return this.#parked.length;
  }

  /** A task for this thread: run now (in arrival order), or parked behind the direct call it must follow. */
  admit(task: ThreadTask): void {
    const part = task.actor;
    if (!part || part.kind === 'create') {
      this.run(task);
      return;
    }
    if (part.direct !== undefined && part.handle !== undefined) {
      this.run(task);
      if ((this.#seen.get(part.handle) ?? 0) < part.direct.seq) this.#seen.set(part.handle, part.direct.seq);
      if (this.#parked.length > 0) this.#unpark();
      return;
    }
    if (this.#parked.length > 0 || !this.#arrived(task)) {
      this.#parked.push(task);
      return;
    }
    this.run(task);
  }

  #arrived(task: ThreadTask): boolean {
    const part = task.actor!;
    return part.after === undefined || (part.handle !== undefined && (this.#seen.get(part.handle) ?? 0) >= part.after);
  }

  /** Runs the parked calls whose direct call arrived, in order, up to the first that still waits. */
  #unpark(): void {
    let moved = 0;
    while (moved < this.#parked.length && this.#arrived(this.#parked[moved]!)) this.run(this.#parked[moved++]!);
    if (moved > 0) this.#parked = this.#parked.slice(moved);
  }
}
