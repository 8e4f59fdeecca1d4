/**
 * Tasks that no connected worker may run, because of their worker or resource restrictions.
 *
 * Such a task waits, as in Dask, since a worker that fits may still join (scale up, adaptive). But in
 * Dask it waits in silence, and a typo such as `{ gpu: 1 }` for `{ GPU: 1 }` looks like a hang. Here the
 * clients that want it are told once why it waits and what would let it run; they are told again only
 * if the workers change and it still cannot run.
 */
import { closestName } from '../../config/closest-name.js';
import { satisfiesRestrictions } from './assignment.js';
import type { ClientRecord, TaskRecord, WorkerRecord } from './types.js';

/**
 * Why no worker in `workers` may run `task`, with what would let it run; undefined when one may (even if
 * it is busy now) or when no worker is connected at all (then every task waits, and that is no news).
 */
export function whyNoWorkerFits(task: TaskRecord, workers: readonly WorkerRecord[]): string | undefined {
  const restrictions = task.spec?.restrictions;
  if (!restrictions || workers.length === 0) return undefined;
  if (workers.some((worker) => satisfiesRestrictions(task, worker))) return undefined;
  const reasons: string[] = [];
  const resourceProblem = explainResources(restrictions.resources ?? {}, workers);
  if (resourceProblem) reasons.push(resourceProblem);
  const pinned = restrictions.workers ?? [];
  if (pinned.length > 0 && !restrictions.allowOtherWorkers) {
    const fitting = workers.filter((worker) => pinned.some((w) => w === worker.id || w === worker.info.name || w === worker.info.host || w === worker.info.address));
    if (fitting.length === 0) {
      reasons.push(
        `it may run only on ${list(pinned)}, and none of those is connected (connected: ${list(workers.map((w) => w.id))}). ` +
          'Name a connected worker, or pass allowOtherWorkers: true to make the list a preference',
      );
    } else if (!resourceProblem) {
      reasons.push(`the workers it may run on (${list(fitting.map((w) => w.id))}) do not offer the resources it needs`);
    }
  }
  const what = reasons.length > 0 ? reasons.join('; and ') : 'its restrictions fit no connected worker';
  return `task ${task.key} waits: no connected worker may run it, because ${what}. It will run when a worker that fits joins.`;
}

/** What is wrong with the resources asked for, across all workers; undefined when some worker offers them all. */
function explainResources(needed: Record<string, number>, workers: readonly WorkerRecord[]): string | undefined {
  const names = Object.keys(needed);
  if (names.length === 0) return undefined;
  const offersAll = (worker: WorkerRecord) => names.every((name) => (worker.info.resources[name] ?? 0) >= needed[name]!);
  if (workers.some(offersAll)) return undefined;
  const offered = new Map<string, number>();
  for (const worker of workers) {
    for (const [name, amount] of Object.entries(worker.info.resources)) offered.set(name, Math.max(offered.get(name) ?? 0, amount));
  }
  const offeredText = offered.size > 0 ? [...offered].map(([name, most]) => `${name}=${most}`).join(', ') : 'no resources';
  const hints: string[] = [];
  for (const name of names) {
    if (offered.has(name)) continue;
    const close = closestName(name, [...offered.keys()]);
    if (close) hints.push(`did you mean ${JSON.stringify(close)} instead of ${JSON.stringify(name)}? Resource names are case-sensitive`);
  }
  const ask = `${names.map((name) => `${name}=${needed[name]}`).join(', ')}`;
  const fix = hints.length > 0
    ? hints.join('; ')
    : `start workers that offer them (LocalCluster resources: { ${names.map((n) => `${n}: ${needed[n]}`).join(', ')} }, flotilla-worker --resources ${ask}) or ask for less`;
  return `it needs ${ask} on one worker, and the most any connected worker offers is ${offeredText} (${fix})`;
}

function list(names: readonly string[]): string {
  return names.map((name) => JSON.stringify(name)).join(', ');
}

/**
 * Which restriction sets fit no worker, each judged once per set of workers and reported once: a map of
 * 10,000 tasks with one typo costs one check and gives one warning, not 10,000.
 */
export class UnrunnableReports {
  #verdicts = new Map<string, { reason: string | undefined; reported: boolean }>();

  /** The explanation to send for `task` now; undefined when it fits some worker or was explained already. */
  explainOnce(task: TaskRecord, workers: readonly WorkerRecord[]): string | undefined {
    const restrictions = task.spec?.restrictions;
    if (!restrictions) return undefined;
    const signature = JSON.stringify([restrictions.workers ?? [], restrictions.allowOtherWorkers ?? false, restrictions.resources ?? {}]);
    let verdict = this.#verdicts.get(signature);
    if (!verdict) this.#verdicts.set(signature, (verdict = { reason: whyNoWorkerFits(task, workers), reported: false }));
    if (!verdict.reason || verdict.reported) return undefined;
    verdict.reported = true;
    return verdict.reason;
  }

  /** A worker joined or left: what did not fit before may fit now, or fail for another reason. */
  workersChanged(): void {
    this.#verdicts.clear();
  }
}

/** The clients waiting on `task`: those that want it, else those that want something built on it. */
export function clientsWaitingOn(task: TaskRecord, limit = 10_000): Set<ClientRecord> {
  if (task.wantedBy.size > 0) return task.wantedBy;
  const found = new Set<ClientRecord>();
  const seen = new Set<TaskRecord>([task]);
  const frontier = [task];
  while (frontier.length > 0 && seen.size < limit) {
    for (const dependent of frontier.pop()!.dependents) {
      if (seen.has(dependent)) continue;
      seen.add(dependent);
      for (const client of dependent.wantedBy) found.add(client);
      frontier.push(dependent);
    }
  }
  return found;
}
