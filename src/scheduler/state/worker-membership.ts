/**
 * Workers joining, retiring and leaving. Separate from the task reports workers send because a worker
 * leaving is the one stimulus that reaches across the whole graph: what it ran is rescheduled, what
 * only it held is recomputed or lost, and a task that keeps killing workers is blamed.
 */
import type { WireError, WorkerRegistration } from '../../protocol/messages.js';
import { isActorCall, isActorTask } from './actor-router.js';
import type { TransitionEngine } from './engine.js';
import { addHolder, bigTaskSet, type TaskRecord, type WorkerRecord } from './types.js';

export function addWorker(engine: TransitionEngine, peer: string, info: WorkerRegistration, now: number): WorkerRecord {
  const worker: WorkerRecord = {
    peer, id: info.name, info, processing: new Set(), hasWhat: bigTaskSet(), executing: new Set(), longRunning: new Set(), lowestPriority: Infinity,
    knownFunctions: new Set(), memory: 0, lastSeen: now, status: 'running',
  };
  engine.workers.set(peer, worker);
  engine.unrunnable.workersChanged();
  engine.run(`add-worker-${info.name}`, () => {});
  return worker;
}

export function workerByName(workers: Map<string, WorkerRecord>, name: string): WorkerRecord | undefined {
  for (const worker of workers.values()) if (worker.id === name && worker.status !== 'removed') return worker;
  return undefined;
}

/** A retiring worker takes no new tasks; what it was running goes elsewhere now. */
export function beginRetire(engine: TransitionEngine, worker: WorkerRecord): void {
  if (worker.status !== 'running') return;
  engine.run(`retire-${worker.id}`, () => {
    worker.status = 'closing';
    engine.unrunnable.workersChanged();
    const actorTasks = [...worker.processing].filter(isActorTask);
    for (const task of [...worker.processing]) engine.recommend(task, 'released');
    // An actor cannot move with the results: it is lost here now (restarted elsewhere, or failed).
    engine.actors.workerLost(engine, worker, actorTasks, 'it is retiring');
  });
}

/** Results only `worker` holds and someone still needs: what must move before it leaves. */
export function keysOnlyOn(engine: TransitionEngine, worker: WorkerRecord): string[] {
  return [...worker.hasWhat].filter((t) => t.holders.size === 1 && t.state === 'memory' && engine.isNeeded(t)).map((t) => t.key);
}

/** `worker` now holds copies of `keys` too. */
export function addReplicas(engine: TransitionEngine, worker: WorkerRecord, keys: string[]): void {
  for (const key of keys) {
    const task = engine.tasks.get(key);
    if (!task || task.state !== 'memory' || worker.status === 'removed') continue;
    addHolder(task, worker);
    worker.hasWhat.add(task);
  }
}

/** A worker left or died: reschedule what it ran, recompute what only it held. */
export function removeWorker(
  engine: TransitionEngine, peer: string, reason: string, graceful: boolean, allowedFailures: number,
): WorkerRecord | undefined {
  const worker = engine.workers.get(peer);
  if (!worker) return undefined;
  engine.workers.delete(peer);
  worker.status = 'removed';
  engine.unrunnable.workersChanged();
  engine.run(`remove-worker-${worker.id}`, () => {
    for (const other of engine.workers.values()) engine.toWorker(other, { op: 'peer-gone', address: worker.info.address, reason });
    const actorTasks = [...worker.processing].filter(isActorTask);
    const blamed = graceful ? new Set<TaskRecord>() : tasksRunningAtDeath(worker);
    for (const task of [...worker.processing]) {
      worker.processing.delete(task);
      task.processingOn = undefined;
      if (blamed.has(task)) {
        task.killedOn = [...task.killedOn, worker.id];
        if (task.killedOn.length >= allowedFailures) {
          engine.recommend(task, 'erred', { error: killedWorkerError(task, reason) });
          continue;
        }
      }
      engine.recommend(task, 'released');
    }
    // A worker may hold a million results: they are let go a budget's worth per turn (see engine.sweep).
    // Until then a result may still name this worker as a holder; a worker sent to fetch it from here
    // reports the data missing, and the holder is dropped then (SchedulerState.missingData).
    engine.sweep(worker.hasWhat, (task) => {
      task.holders.delete(worker);
      worker.hasWhat.delete(task);
      if (task.holders.size > 0 || task.state !== 'memory') return;
      // Scattered data, and what an actor's call returned (running it again would change the actor), cannot be recomputed.
      if (!task.spec || isActorCall(task)) {
        engine.recommend(task, 'lost', { reason: `its only holder, worker ${worker.id}, left (${reason})` });
        return;
      }
      engine.recommend(task, 'released');
      engine.fanOut(task, (dependent) => {
        if (dependent.state === 'processing' && dependent.processingOn !== worker) engine.recommend(dependent, 'released');
      });
    });
    engine.actors.workerLost(engine, worker, actorTasks, reason);
  });
  return worker;
}

function killedWorkerError(task: TaskRecord, reason: string): WireError {
  const died = task.killedOn;
  return {
    name: 'KilledWorkerError',
    code: 'KILLED_WORKER',
    key: task.key,
    message:
      `Task ${task.key} was running on ${died.length} workers that each died (${died.join(', ')}); the last one, ` +
      `${died[died.length - 1]}, went away with: ${reason}. The task is probably what kills them (memory, a crash, ` +
      `process.exit). Look at the workers' logs (client.getWorkerLogs(), or worker.log in each worker's local directory), ` +
      `or run it with mode 'sync' to debug it with a normal stack. Raise allowedFailures to try more workers.`,
    fields: { key: task.key, workers: [...died] },
  };
}

/**
 * The tasks to blame for a worker's death: those it said it was running. A worker reports a short task
 * of a function that already finished there only after a few milliseconds (worker/start-notices.ts), so
 * when it died with nothing reported, every task it had been given is blamed, as Dask does: a task that
 * kills workers then still ends in KilledWorkerError after `allowedFailures` deaths.
 */
function tasksRunningAtDeath(worker: WorkerRecord): Set<TaskRecord> {
  const reported = new Set<TaskRecord>();
  for (const task of worker.processing) if (worker.executing.has(task.key)) reported.add(task);
  return reported.size > 0 ? reported : new Set(worker.processing);
}
