/**
 * Retiring workers gracefully: they stop taking tasks, what they run is rescheduled, results only they
 * hold are copied to workers that stay, then they are told to close. Apart from the server because it
 * is one multi-step procedure over the state and the request fan-outs, not message handling.
 */
import type { SchedulerContext } from './context.js';
import type { WorkerRecord } from './state/types.js';

/**
 * Retires the running workers among `names` together; resolves with the ids of those retired when they
 * are gone. With `close` false they stay connected, holding copies only and taking no task, until
 * something else closes them (Dask's `close_workers=False`).
 */
export async function retireWorkers(core: SchedulerContext, names: string[], reason: string, close = true): Promise<string[]> {
  const state = core.state;
  const leaving = names.map((name) => state.workerByName(name)).filter((w): w is WorkerRecord => w?.status === 'running');
  // All of them stop taking work first, so none receives the results of another that is leaving too.
  for (const worker of leaving) state.beginRetire(worker);
  core.flush();
  await Promise.all(leaving.map((worker) => handOffAndClose(core, worker, reason, { close, forGood: true })));
  return leaving.map((worker) => worker.id);
}

/**
 * Retires one worker that asked to leave (its lifetime before the batch walltime); nothing happens
 * unless it is running. Its cluster may replace it: that is the point of a lifetime.
 */
export async function retireWorker(core: SchedulerContext, worker: WorkerRecord, reason: string): Promise<void> {
  if (worker.status !== 'running') return;
  core.state.beginRetire(worker);
  core.flush();
  await handOffAndClose(core, worker, reason, { close: true, forGood: false });
}

async function handOffAndClose(core: SchedulerContext, worker: WorkerRecord, reason: string, how: { close: boolean; forGood: boolean }): Promise<void> {
  const state = core.state;
  const keys = state.keysOnlyOn(worker);
  const others = [...state.workers.values()].filter((w) => w.status === 'running' && w !== worker);
  if (keys.length > 0 && others.length > 0) {
    const plan = new Map<WorkerRecord, string[]>();
    keys.forEach((key, i) => {
      const target = others[i % others.length]!;
      plan.set(target, [...(plan.get(target) ?? []), key]);
    });
    await core.requests.copyFrom(worker, plan);
    core.log.info(`worker ${worker.id} retiring: moved ${keys.length} result(s) to other workers`);
  }
  if (!state.workers.has(worker.peer) || !how.close) return;
  // Its cluster must not start a replacement for a worker retired on purpose (a worker leaving at the
  // end of its lifetime is replaced).
  if (how.forGood) core.events.emit('worker-retired', worker.id);
  core.send(worker.peer, { op: 'close', reason });
  core.removeWorker(worker.peer, `retired (${reason})`, true);
}
