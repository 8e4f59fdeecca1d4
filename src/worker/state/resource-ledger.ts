/**
 * The abstract resources (`{ GPU: 2 }`) this worker offers and how much of each its running tasks
 * hold. The scheduler only places a task where the resources exist; this ledger makes the worker
 * start no more such tasks at once than the amounts allow.
 */
export class ResourceLedger {
  readonly #inUse = new Map<string, number>();

  constructor(private readonly offered: Record<string, number>) {}

  /** Takes `needs` if all of it is free and returns true; takes nothing and returns false otherwise. */
  acquire(needs: Record<string, number> | undefined): boolean {
    if (!needs) return true;
    for (const [name, amount] of Object.entries(needs)) {
      if ((this.#inUse.get(name) ?? 0) + amount > (this.offered[name] ?? 0)) return false;
    }
    for (const [name, amount] of Object.entries(needs)) this.#inUse.set(name, (this.#inUse.get(name) ?? 0) + amount);
    return true;
  }

  /** Gives back what a task took with `acquire`. */
  release(needs: Record<string, number> | undefined): void {
    if (!needs) return;
    for (const [name, amount] of Object.entries(needs)) this.#inUse.set(name, (this.#inUse.get(name) ?? 0) - amount);
  }

  clear(): void {
    this.#inUse.clear();
  }
}
