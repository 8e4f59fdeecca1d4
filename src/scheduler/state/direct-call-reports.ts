/**
 * What a client reports of the actor calls it sent straight to a worker (see actor-router.ts): their
 * ends and their failures. Only direct calls recorded on the worker at that address move; other keys
 * are ignored (a client cannot finish tasks). A call held by the scheduler (its actor had left that
 * worker) is settled by the report: run there, not run, or failed. Apart from scheduler-state.ts as
 * these are the client's word about worker-side work, checked against the record before it counts.
 */
import type { TaskFinishedReport, WireError } from '../../protocol/messages.js';
import { workerAtAddress } from './actor-router.js';
import type { TransitionEngine } from './engine.js';
import type { WorkerRecord } from './types.js';

/** The worker reports a direct call's end or failure counts as, once checked. */
export interface WorkerReports {
  taskFinished(worker: WorkerRecord, reports: TaskFinishedReport[]): void;
  taskErred(worker: WorkerRecord, key: string, error: WireError, duration: number): void;
}

/** Direct calls that finished on the worker at `address`; returns the worker, when one is there. */
export function callsFinished(engine: TransitionEngine, reports: WorkerReports, address: string, finished: TaskFinishedReport[]): WorkerRecord | undefined {
  const worker = workerAtAddress(engine.workers, address);
  const held = finished.filter((r) => heldFor(engine, r.key, address));
  if (held.length > 0) {
    engine.run(`actor-held-done`, () => {
      for (const report of held) engine.actors.settleHeld(engine, engine.tasks.get(report.key)!, { doneOn: worker });
    });
  }
  if (!worker) return undefined;
  reports.taskFinished(worker, finished.filter((r) => isDirectOn(engine, r.key, address)));
  return worker;
}

/** A direct call that failed on the worker at `address` (or that it refused: `notRun`). */
export function callErred(engine: TransitionEngine, reports: WorkerReports, address: string, key: string, error: WireError): void {
  if (heldFor(engine, key, address)) {
    const task = engine.tasks.get(key)!;
    engine.run(`actor-held-erred`, () => engine.actors.settleHeld(engine, task, error.fields?.notRun === true ? { notRun: true } : { error }));
    return;
  }
  const worker = workerAtAddress(engine.workers, address);
  if (!worker || !isDirectOn(engine, key, address)) return;
  const task = engine.tasks.get(key);
  if (error.fields?.notRun === true) {
    // The worker did not take it (its actor is not there): it goes through the actor's line instead.
    if (task?.state === 'processing' && task.processingOn === worker) engine.run(`actor-erred-${worker.id}`, () => engine.recommend(task, 'released'));
    return;
  }
  reports.taskErred(worker, key, error, 0);
}

/** A direct call sent to the worker at `address` and held until now (actor-router.ts). */
function heldFor(engine: TransitionEngine, key: string, address: string): boolean {
  const task = engine.tasks.get(key);
  return task !== undefined && task.spec?.actor?.direct?.worker === address && engine.actors.isHeld(task);
}

/** A direct call recorded on the worker at `address`, or (finished, erred, forgotten) none at all. */
function isDirectOn(engine: TransitionEngine, key: string, address: string): boolean {
  const direct = engine.tasks.get(key)?.spec?.actor?.direct;
  return direct === undefined ? !engine.tasks.has(key) : direct.worker === address;
}
