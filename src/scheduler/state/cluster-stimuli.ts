/**
 * Stimuli that act on the whole cluster rather than on one client's tasks: a restart cancels every
 * task, a holder (fire-and-forget, a published dataset, a variable) keeps keys wanted with no client
 * behind it, and replicas are dropped when `replicate` or `rebalance` thin them out. Apart from the
 * client stimuli because none of these is one client's graph.
 */
import type { TransitionEngine } from './engine.js';
import { PENDING_STATES, type ClientRecord, type TaskRecord, type WorkerRecord } from './types.js';

/** Every task of every client is cancelled with `reason` (client.restart). */
export function cancelEverything(engine: TransitionEngine, reason: string): void {
  engine.run('restart', () => {
    for (const task of [...engine.tasks.values()]) cancelOne(engine, task, reason);
  });
}

/** One task of a restart: cancelled unless it already is (or is gone). */
export function cancelOne(engine: TransitionEngine, task: TaskRecord, reason: string): void {
  if (task.state === 'cancelled' || task.state === 'forgotten') return;
  engine.recommend(task, 'cancelled', { reason });
}

/**
 * `holder` wants `keys` as a client would. With `pendingOnly`, keys that already finished (or failed,
 * or are unknown) are left alone: fire-and-forget only keeps unfinished work going. Returns the keys held.
 */
export function holdKeys(engine: TransitionEngine, holder: ClientRecord, keys: string[], pendingOnly: boolean): string[] {
  const held: string[] = [];
  engine.run(`hold-${holder.id}`, () => {
    for (const key of keys) {
      const task = engine.tasks.get(key);
      if (!task || task.state === 'forgotten') continue;
      if (pendingOnly && !PENDING_STATES.has(task.state) && task.state !== 'released') continue;
      task.wantedBy.add(holder);
      holder.wants.add(task);
      held.push(key);
    }
  });
  return held;
}

/**
 * `client` now holds futures of `keys` it did not submit (from a queue, a variable, a dataset): it
 * wants them, and hears at once of those already finished, failed, cancelled or gone.
 */
export function wantKeys(engine: TransitionEngine, client: ClientRecord, keys: string[]): void {
  engine.run(`want-${client.id}`, () => {
    for (const key of new Set(keys)) {
      const task = engine.tasks.get(key);
      if (!task || task.state === 'forgotten') {
        engine.toClient(client, { op: 'task-lost', key, reason: 'no longer held by anyone on the cluster' });
        continue;
      }
      task.wantedBy.add(client);
      client.wants.add(task);
      if (task.state === 'memory') engine.finishedToClient(client, { key, nbytes: task.nbytes });
      else if (task.state === 'erred' && task.error) engine.toClient(client, { op: 'task-erred', key, error: task.error });
      else if (task.state === 'cancelled') engine.cancelledToClient(client, key, task.reason ?? 'cancelled');
      else if (task.state === 'lost') engine.toClient(client, { op: 'task-lost', key, reason: task.reason ?? 'lost' });
    }
  });
}

/** `worker` drops its copies of `keys`, each only while another worker still holds one. */
export function dropReplicas(engine: TransitionEngine, worker: WorkerRecord, keys: string[]): string[] {
  const dropped: string[] = [];
  engine.run(`drop-replicas-${worker.id}`, () => {
    for (const key of keys) {
      const task = engine.tasks.get(key);
      if (!task || task.state !== 'memory' || !task.holders.has(worker) || task.holders.size < 2) continue;
      task.holders.delete(worker);
      worker.hasWhat.delete(task);
      engine.keyToWorker(worker, 'free-keys', key);
      dropped.push(key);
    }
  });
  return dropped;
}

/** Tasks still running on `worker` that gave up their thread: they do not count against its threads. */
export function markLongRunning(worker: WorkerRecord, keys: string[], tasks: ReadonlyMap<string, { processingOn: WorkerRecord | undefined }>): void {
  for (const key of keys) {
    const task = tasks.get(key);
    if (task && task.processingOn === worker) worker.longRunning.add(key);
  }
}
