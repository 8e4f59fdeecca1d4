/**
 * Where copies of results should go for `replicate` and `rebalance`: pure plans over the task and
 * worker records, carried out by cluster-control.ts. Sizes are the results' encoded bytes as the
 * workers reported them (not the processes' memory).
 */
import type { TaskRecord, WorkerRecord } from './state/types.js';

export interface CopyPlan {
  /** Copy `key` from a holder onto a worker that lacks it. */
  copies: Array<{ key: string; from: WorkerRecord; to: WorkerRecord }>;
  /** Drop a worker's copy; with `unlessCopied`, only once the planned copy of that key arrived (a move). */
  drops: Array<{ key: string; worker: WorkerRecord; unlessCopied: boolean }>;
}

function bytesHeld(pool: readonly WorkerRecord[]): Map<WorkerRecord, number> {
  const bytes = new Map<WorkerRecord, number>();
  for (const worker of pool) {
    let sum = 0;
    for (const task of worker.hasWhat) sum += task.nbytes;
    bytes.set(worker, sum);
  }
  return bytes;
}

function inMemory(tasks: ReadonlyMap<string, TaskRecord>, keys: readonly string[]): TaskRecord[] {
  const out: TaskRecord[] = [];
  for (const key of new Set(keys)) {
    const task = tasks.get(key);
    if (task && task.state === 'memory' && task.holders.size > 0) out.push(task);
  }
  return out;
}

/**
 * Each key on `n` workers of `pool` (all of them when `n` is undefined or larger): copies onto the
 * workers holding the fewest bytes, and drops copies past `n` from those holding the most.
 */
export function planReplicas(tasks: ReadonlyMap<string, TaskRecord>, keys: readonly string[], pool: readonly WorkerRecord[], n: number | undefined): CopyPlan {
  const plan: CopyPlan = { copies: [], drops: [] };
  const bytes = bytesHeld(pool);
  const want = Math.min(n ?? pool.length, pool.length);
  for (const task of inMemory(tasks, keys)) {
    const holding = pool.filter((w) => task.holders.has(w));
    if (holding.length < want) {
      const source = holding[0] ?? [...task.holders][0]!;
      const lacking = pool.filter((w) => !task.holders.has(w)).sort((a, b) => bytes.get(a)! - bytes.get(b)!);
      for (const target of lacking.slice(0, want - holding.length)) {
        plan.copies.push({ key: task.key, from: source, to: target });
        bytes.set(target, bytes.get(target)! + task.nbytes);
      }
    } else if (holding.length > want) {
      const fullest = [...holding].sort((a, b) => bytes.get(b)! - bytes.get(a)!);
      for (const worker of fullest.slice(0, holding.length - want)) {
        plan.drops.push({ key: task.key, worker, unlessCopied: false });
        bytes.set(worker, bytes.get(worker)! - task.nbytes);
      }
    }
  }
  return plan;
}

/**
 * Moves results from workers of `pool` holding more bytes than the mean to the worker holding the
 * fewest, largest first, as long as each move narrows the gap (a result smaller than the difference).
 * Only `keys` move when given, otherwise any result the pool holds.
 */
export function planRebalance(tasks: ReadonlyMap<string, TaskRecord>, keys: readonly string[] | undefined, pool: readonly WorkerRecord[]): CopyPlan {
  const plan: CopyPlan = { copies: [], drops: [] };
  if (pool.length < 2) return plan;
  const movable = new Set(keys ? inMemory(tasks, keys) : pool.flatMap((w) => [...w.hasWhat].filter((t) => t.state === 'memory')));
  const bytes = bytesHeld(pool);
  const mean = [...bytes.values()].reduce((a, b) => a + b, 0) / pool.length;
  const moved = new Set<TaskRecord>();
  const senders = [...pool].sort((a, b) => bytes.get(b)! - bytes.get(a)!).filter((w) => bytes.get(w)! > mean);
  for (const sender of senders) {
    const candidates = [...sender.hasWhat].filter((t) => movable.has(t) && !moved.has(t)).sort((a, b) => b.nbytes - a.nbytes);
    for (const task of candidates) {
      if (bytes.get(sender)! <= mean) break;
      let receiver: WorkerRecord | undefined;
      for (const worker of pool) {
        if (worker === sender || task.holders.has(worker)) continue;
        if (!receiver || bytes.get(worker)! < bytes.get(receiver)!) receiver = worker;
      }
      if (!receiver || task.nbytes >= bytes.get(sender)! - bytes.get(receiver)!) continue;
      plan.copies.push({ key: task.key, from: sender, to: receiver });
      plan.drops.push({ key: task.key, worker: sender, unlessCopied: true });
      bytes.set(sender, bytes.get(sender)! - task.nbytes);
      bytes.set(receiver, bytes.get(receiver)! + task.nbytes);
      moved.add(task);
    }
  }
  return plan;
}
