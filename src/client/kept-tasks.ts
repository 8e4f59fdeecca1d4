/**
 * What a client keeps of the tasks it submitted, so that nothing is lost when the scheduler forgets
 * it: a scheduler that heard nothing from a client for its `clientTtlMs` (the client's process was
 * stopped, or its event loop blocked by a huge synchronous `map`) lets the client's futures go. When
 * the client speaks again it is told `unknown-client`; it says hello again and resubmits every spec
 * kept here, in the order first submitted (a task's inputs before it). See rejoin.ts.
 *
 * A spec is kept while the client wants its key (not released, not cancelled) or while a kept spec
 * depends on it: a released input of a wanted task is still needed to compute it again. Keys that
 * cannot be computed again (scattered data) are kept apart, so they can be reported lost.
 *
 * Per task this is one entry of one map (the spec itself is the one already sent): a million tasks
 * cost about 80 bytes each here. Counts of kept dependents exist only for keys that have some (roots),
 * and released inputs still needed are a set of their own, both small.
 */
import type { TaskSpec } from '../protocol/messages.js';

/** The tasks a client still wants, with what is needed to submit them again. See the module comment. */
export class KeptTasks {
  /** Every kept spec, in submission order: inputs come before the tasks that use them. */
  readonly #specs = new Map<string, TaskSpec>();
  /** Kept specs that depend on a key, for keys with at least one. */
  readonly #dependents = new Map<string, number>();
  /** Keys released or cancelled but kept because a kept spec needs them. */
  readonly #unwanted = new Set<string>();
  /** Scattered keys still wanted: they cannot be submitted again. */
  readonly #scattered = new Set<string>();

  /** Keys kept now (wanted ones and the inputs they need). */
  get size(): number {
    return this.#specs.size + this.#scattered.size;
  }

  /** Keeps submitted specs (a key submitted again is wanted again, with its first spec kept). */
  submitted(specs: readonly TaskSpec[]): void {
    const kept = this.#specs;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      if (kept.has(spec.key)) {
        if (this.#unwanted.size > 0) this.#unwanted.delete(spec.key);
        continue;
      }
      kept.set(spec.key, spec);
      const deps = spec.deps;
      for (let d = 0; d < deps.length; d++) {
        const dep = deps[d]!;
        if (kept.has(dep)) this.#dependents.set(dep, (this.#dependents.get(dep) ?? 0) + 1);
      }
    }
  }

  /** Keeps scattered keys, which cannot be submitted again. */
  scattered(keys: readonly string[]): void {
    for (const key of keys) this.#scattered.add(key);
  }

  /** The client no longer wants these keys (released or cancelled): they go once no kept spec needs them. */
  dropped(keys: readonly string[]): void {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (this.#scattered.size > 0) this.#scattered.delete(key);
      if (!this.#specs.has(key) || (this.#unwanted.size > 0 && this.#unwanted.has(key))) continue;
      if (this.#dependents.has(key)) this.#unwanted.add(key);
      else this.#remove(key);
    }
  }

  /** What to send again, in submission order: the specs, and the wanted keys that cannot be resubmitted. */
  toResubmit(): { specs: TaskSpec[]; lost: string[] } {
    return { specs: [...this.#specs.values()], lost: [...this.#scattered] };
  }

  /** Forgets everything (the client closed). */
  clear(): void {
    this.#specs.clear();
    this.#dependents.clear();
    this.#unwanted.clear();
    this.#scattered.clear();
  }

  /** Drops `key`'s spec, and the released inputs that only it still needed (a chain in one walk, without recursion). */
  #remove(key: string): void {
    const stack = [key];
    while (stack.length > 0) {
      const k = stack.pop()!;
      const spec = this.#specs.get(k);
      if (!spec) continue;
      this.#specs.delete(k);
      this.#unwanted.delete(k);
      for (const dep of spec.deps) {
        const count = this.#dependents.get(dep);
        if (count === undefined) continue;
        if (count > 1) {
          this.#dependents.set(dep, count - 1);
          continue;
        }
        this.#dependents.delete(dep);
        if (this.#unwanted.has(dep)) stack.push(dep);
      }
    }
  }
}
