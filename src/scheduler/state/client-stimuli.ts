/**
 * What clients do to the graph: submit tasks, release and cancel keys, add scattered data, go away.
 * Each is one stimulus run by the engine. Apart from the worker reports because these build and prune
 * the graph, while worker reports only move tasks along it.
 */
import { emptyList } from '../../util/empty.js';
import type { TaskSpec, WireError } from '../../protocol/messages.js';
import type { TransitionEngine } from './engine.js';
import { addHolder, link, type ClientRecord, type TaskRecord, type WorkerRecord } from './types.js';

/**
 * Takes `specs[from..to)` of a submit into the graph. `laterInSubmit` tells whether a key comes in a
 * later slice of the same submit (see slices.ts): a task naming such a key as input is parked (it is
 * created and wanted, not linked) and linked by {@link linkParked} once the whole submit is in.
 */
export function submitTasks(
  engine: TransitionEngine, client: ClientRecord, specs: readonly TaskSpec[], from = 0, to = specs.length,
  laterInSubmit?: (key: string) => boolean, parked?: TaskRecord[],
): void {
  engine.run(`submit-${client.id}`, () => {
    const created = new Set<TaskRecord>();
    for (let i = from; i < to; i++) {
      const spec = specs[i]!;
      let task = engine.tasks.get(spec.key);
      if (!task) {
        compact(engine, spec);
        task = engine.createTask(spec.key, spec);
        created.add(task);
      } else if (task.state === 'released' || task.state === 'cancelled' || task.state === 'lost' || (task.state === 'erred' && !task.spec)) {
        // A re-submission of something that was cancelled or lost: compute it again.
        compact(engine, spec);
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
      if (task.spec!.actor) engine.actors.submitted(task, engine.workers);
      if (laterInSubmit && parked && task.spec!.deps.some((key) => !engine.tasks.has(key) && laterInSubmit(key))) {
        parked.push(task);
        continue;
      }
      linkInputs(engine, task);
    }
    // Tell the client at once about keys that were already done (pure keys submitted again).
    for (let i = from; i < to; i++) {
      const task = engine.tasks.get(specs[i]!.key)!;
      if (created.has(task)) continue;
      if (task.state === 'memory') engine.toClient(client, { op: 'task-finished', items: [{ key: task.key, nbytes: task.nbytes }] });
      else if (task.state === 'erred' && task.error) engine.toClient(client, { op: 'task-erred', key: task.key, error: task.error });
    }
  });
}

/** Links the tasks parked by submitTasks, now that every key of their submit is in the graph. */
export function linkParked(engine: TransitionEngine, client: ClientRecord, parked: readonly TaskRecord[]): void {
  engine.run(`submit-${client.id}`, () => {
    for (const task of parked) if (task.state === 'released' && task.spec) linkInputs(engine, task);
  });
}

/**
 * A decoded spec brings its own copy of every string: the function's hash and name, its inputs' keys.
 * Pointing them at the one copy the scheduler already keeps (the function's source record, the inputs'
 * task keys; see linkInputs) saves about a tenth of a pending task's memory. The values do not change.
 */
function compact(engine: TransitionEngine, spec: TaskSpec): void {
  const source = engine.functions.get(spec.fn);
  if (source) {
    spec.fn = source.hash;
    if (spec.group === source.name) spec.group = source.name;
  }
  if (spec.args.frames.length === 0) spec.args.frames = emptyList();
}

/** Links a new task to its inputs and starts it on its way (or fails it when an input is gone). */
function linkInputs(engine: TransitionEngine, task: TaskRecord): void {
  const deps = task.spec!.deps;
  for (let i = 0; i < deps.length; i++) {
    const depKey = deps[i]!;
    const dep = engine.tasks.get(depKey);
    if (!dep) {
      engine.recommend(task, 'erred', {
        error: task.spec!.actor?.actor === depKey ? actorGone(depKey, task.key) : {
          name: 'LostResultError', code: 'LOST',
          message: `input ${depKey} of ${task.key} was released before the task was submitted; keep a reference to its future until dependents are submitted`,
        },
      });
      continue;
    }
    deps[i] = dep.key; // the same key, one copy (see compact)
    link(task, 'deps', dep);
    link(dep, 'dependents', task);
  }
  if (!engine.isRecommended(task)) engine.recommend(task, task.state === 'released' ? 'waiting' : 'released');
}

/** A call on an actor the scheduler no longer has (cancelled by a restart, or lost and forgotten). */
function actorGone(actor: string, key: string): WireError {
  return {
    name: 'ActorLostError', code: 'ACTOR_LOST', key, fields: { actor },
    message: `${key} cannot run: actor ${actor} no longer exists on the cluster (cancelled, for example by client.restart(), or lost); create a new actor`,
  };
}

export function releaseKeys(engine: TransitionEngine, client: ClientRecord, keys: readonly string[], from = 0, to = keys.length): void {
  engine.run(`release-${client.id}`, () => {
    for (let i = from; i < to; i++) {
      const key = keys[i]!;
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
export function cancelKeys(engine: TransitionEngine, client: ClientRecord, keys: readonly string[], force = false, from = 0, to = keys.length): void {
  engine.run(`cancel-${client.id}`, () => {
    for (let i = from; i < to; i++) {
      const key = keys[i]!;
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
          addHolder(task, holder);
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
    for (const task of client.wants) dropWant(engine, client, task);
  });
}

/** `client` no longer wants `task`: it is released if nothing else needs it. */
export function dropWant(engine: TransitionEngine, client: ClientRecord, task: TaskRecord): void {
  task.wantedBy.delete(client);
  client.wants.delete(task);
  engine.checkRelease(task);
}
