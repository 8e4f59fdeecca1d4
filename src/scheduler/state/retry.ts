/**
 * `client.retry(futures)`: erred tasks run again, as in Dask. The erred inputs they failed through are
 * retried with them (an erred task's error came from its first erred input); as in Dask, the automatic
 * `retries` a task used up are not given back. Apart from the other client stimuli because it walks the
 * graph backwards, which nothing else does.
 */
import type { TransitionEngine } from './engine.js';
import type { ClientRecord, TaskRecord } from './types.js';

export function retryKeys(engine: TransitionEngine, client: ClientRecord, keys: string[]): void {
  engine.run(`retry-${client.id}`, () => {
    const erred = new Set<TaskRecord>();
    const stack: TaskRecord[] = [];
    for (const key of keys) {
      const task = engine.tasks.get(key);
      if (task?.state === 'erred' && task.spec) stack.push(task);
      else tellState(engine, client, key, task);
    }
    while (stack.length > 0) {
      const task = stack.pop()!;
      if (erred.has(task)) continue;
      erred.add(task);
      for (const dep of task.deps) if (dep.state === 'erred' && dep.spec) stack.push(dep);
    }
    // Every task of the set is released before any is recommended onwards, so that none is sent back to
    // `erred` by an input still erred.
    for (const task of erred) {
      task.error = undefined;
      engine.transition(task, 'released', {});
      for (const holder of task.wantedBy) engine.toClient(holder, { op: 'task-retried', keys: [task.key] });
    }
  });
}

/** The client asked to retry a key that is not erred: it reset its future, so tell it where the key stands. */
function tellState(engine: TransitionEngine, client: ClientRecord, key: string, task: TaskRecord | undefined): void {
  if (!task) {
    engine.toClient(client, { op: 'task-lost', key, reason: 'the scheduler no longer has this task to retry; submit it again' });
  } else if (task.state === 'memory') {
    engine.finishedToClient(client, { key, nbytes: task.nbytes });
  } else if (task.state === 'cancelled') {
    engine.cancelledToClient(client, key, task.reason ?? 'cancelled');
  } else if (task.state === 'lost' || task.state === 'released' && !task.spec) {
    engine.toClient(client, { op: 'task-lost', key, reason: task.reason ?? 'lost' });
  }
}
