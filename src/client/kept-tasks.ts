/**
 * What a client keeps of the tasks it submitted, so that nothing is lost when the scheduler forgets
 * it: a scheduler that heard nothing from a client for its `clientTtlMs` (the client's process was
 * stopped, or its event loop blocked by a huge synchronous `map`) lets the client's futures go. When
 * the client speaks again it is told `unknown-client`; it says hello again and resubmits every spec
 * kept here, in the order first submitted (a task's inputs before it).
 *
 * A spec is kept while the client wants its key (not released, not cancelled) or while a kept spec
 * depends on it: a released input of a wanted task is still needed to compute it again. Keys that
 * cannot be computed again (scattered data) are kept without a spec, so they can be reported lost.
 */
import type { TaskSpec } from '../protocol/messages.js';

interface Kept {
  /** Undefined for scattered data: it cannot be resubmitted. */
  spec: TaskSpec | undefined;
  wanted: boolean;
  /** Kept specs that depend on this key. */
  dependents: number;
}

/** The tasks a client still wants, with what is needed to submit them again. See the module comment. */
export class KeptTasks {
  // Insertion order is submission order: inputs come before the tasks that use them.
  readonly #kept = new Map<string, Kept>();

  /** Keys kept now (wanted ones and the inputs they need). */
  get size(): number {
    return this.#kept.size;
  }

  /** Keeps submitted specs (a key submitted again is wanted again, with its first spec kept). */
  submitted(specs: readonly TaskSpec[]): void {
    for (const spec of specs) {
      const known = this.#kept.get(spec.key);
      if (known) {
        known.wanted = true;
        if (known.spec) continue;
        known.spec = spec;
      } else {
        this.#kept.set(spec.key, { spec, wanted: true, dependents: 0 });
      }
      for (const dep of spec.deps) {
        const input = this.#kept.get(dep);
        if (input) input.dependents++;
      }
    }
  }

  /** Keeps scattered keys, which cannot be submitted again. */
  scattered(keys: readonly string[]): void {
    for (const key of keys) if (!this.#kept.has(key)) this.#kept.set(key, { spec: undefined, wanted: true, dependents: 0 });
  }

  /** The client no longer wants these keys (released or cancelled): they go once no kept spec needs them. */
  dropped(keys: readonly string[]): void {
    for (const key of keys) {
      const kept = this.#kept.get(key);
      if (!kept || !kept.wanted) continue;
      kept.wanted = false;
      this.#dropIfUnneeded(key, kept);
    }
  }

  /** What to send again, in submission order: the specs, and the wanted keys that cannot be resubmitted. */
  toResubmit(): { specs: TaskSpec[]; lost: string[] } {
    const specs: TaskSpec[] = [];
    const lost: string[] = [];
    for (const [key, kept] of this.#kept) {
      if (kept.spec) specs.push(kept.spec);
      else if (kept.wanted) lost.push(key);
    }
    return { specs, lost };
  }

  /** Forgets everything (the client closed). */
  clear(): void {
    this.#kept.clear();
  }

  #dropIfUnneeded(key: string, kept: Kept): void {
    // A chain of released inputs goes in one walk, without recursion.
    const stack: Array<[string, Kept]> = [[key, kept]];
    while (stack.length > 0) {
      const [k, entry] = stack.pop()!;
      if (entry.wanted || entry.dependents > 0) continue;
      this.#kept.delete(k);
      for (const dep of entry.spec?.deps ?? []) {
        const input = this.#kept.get(dep);
        if (!input || input.dependents === 0) continue;
        input.dependents--;
        stack.push([dep, input]);
      }
    }
  }
}
