/**
 * What clients do to the graph: submit tasks, release and cancel keys, add scattered data, go away.
 * Each is one stimulus run by the engine. Apart from the worker reports because these build and prune
 * the graph, while worker reports only move tasks along it.
 */
import type { TaskSpec } from '../../protocol/messages.js';
import type { TransitionEngine } from './engine.js';
import { link, type ClientRecord, type TaskRecord, type WorkerRecord } from './types.js';

export function submitTasks(engine: TransitionEngine, client: ClientRecord, specs: TaskSpec[]): void {
  engine.run(`submit-${client.id}`, () => {
    const created = new Set<TaskRecord>();
    for (const spec of specs) {
      let task = engine.tasks.get(spec.key);
      if (!task) {
        task = engine.createTask(spec.key, spec);
        created.add(task);
      } else if (task.state === 'released' || task.state === 'cancelled' || task.state === 'lost' || (task.state === 'erred' && !task.spec)) {
        // A re-submission of something that was cancelled or lost: compute it again.
        task.spec = spec;
        task.priority = spec.priority;
        task.retriesLeft = spec.retries;
        task.error = undefined;
        created.add(task);
      }
      task.wantedBy.add(client);
      client.wants.add(task);
    }
    for (const task of created) {
      if (task.spec!.actor) engine.actors.submitted(task);
      for (const depKey of task.spec!.deps) {
        const dep = engine.tasks.get(depKey);
        if (!dep) {
          engine.recommend(task, 'erred', {
            error: {
              name: 'LostResultError', code: 'LOST',
              message: `input ${depKey} of ${task.key} was released before the task was submitted; keep a reference to its future until dependents are submitted`,
            },
          });
          continue;
        }
        link(task, 'deps', dep);
        link(dep, 'dependents', task);
      }
      if (!engine.isRecommended(task)) engine.recommend(task, task.state === 'released' ? 'waiting' : 'released');
    }
    // Tell the client at once about keys that were already done (pure keys submitted again).
    for (const spec of specs) {
      const task = engine.tasks.get(spec.key)!;
      if (created.has(task)) continue;
      if (task.state === 'memory') engine.toClient(client, { op: 'task-finished', items: [{ key: task.key, nbytes: task.nbytes }] });
      else if (task.state === 'erred' && task.error) engine.toClient(client, { op: 'task-erred', key: task.key, error: task.error });
    }
  });
}

export function releaseKeys(engine: TransitionEngine, client: ClientRecord, keys: string[]): void {
  engine.run(`release-${client.id}`, () => {
    for (const key of keys) {
      const task = engine.tasks.get(key);
      if (!task) continue;
      task.wantedBy.delete(client);
      client.wants.delete(task);
      engine.checkRelease(task);
    }
  });
}

/**
 * A client cancels keys. As in Dask, that drops only this client's claim when another client wants a key
 * too: the task goes on for them. A key only this client wants (or any key, with `force`) is cancelled,
 * and its pending dependents with it.
 */
export function cancelKeys(engine: TransitionEngine, client: ClientRecord, keys: string[], force = false): void {
  engine.run(`cancel-${client.id}`, () => {
    for (const key of keys) {
      const task = engine.tasks.get(key);
      if (!task || task.state === 'forgotten') continue;
      if (!force && wantedByOthers(task, client)) {
        task.wantedBy.delete(client);
        client.wants.delete(task);
        engine.checkRelease(task);
        continue;
      }
      if (task.state === 'cancelled') continue;
      engine.recommend(task, 'cancelled', { reason: `cancelled by client ${client.id}` });
    }
  });
}

function wantedByOthers(task: TaskRecord, client: ClientRecord): boolean {
  for (const other of task.wantedBy) if (other !== client) return true;
  return false;
}

/** Scattered data: the values already sit on `holders`. */
export function addScatteredData(
  engine: TransitionEngine, client: ClientRecord, keys: string[], nbytes: number[], holders: WorkerRecord[],
): void {
  engine.run(`scatter-${client.id}`, () => {
    keys.forEach((key, i) => {
      const task = engine.tasks.get(key) ?? engine.createTask(key, undefined);
      task.wantedBy.add(client);
      client.wants.add(task);
      task.nbytes = nbytes[i] ?? 0;
      if (task.state === 'memory') {
        for (const holder of holders) {
          if (holder.status === 'removed') continue;
          task.holders.add(holder);
          holder.hasWhat.add(task);
        }
      } else {
        engine.transition(task, 'memory', { holders });
      }
    });
  });
}

/** A client left: it no longer wants anything, so what only it wanted is released. */
export function dropClientWants(engine: TransitionEngine, client: ClientRecord): void {
  engine.run(`remove-client-${client.id}`, () => {
    for (const task of client.wants) {
      task.wantedBy.delete(client);
      engine.checkRelease(task);
    }
    client.wants.clear();
  });
}
