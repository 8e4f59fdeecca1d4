/**
 * What a client does to the cluster as a whole: restart it, retire workers, replicate and rebalance
 * results. Each is a procedure over several workers that answers the client once with `control-reply`.
 * Apart from the per-message handlers because each waits for workers, and apart from the server because
 * none of it is the socket.
 */
import { FlotillaError, TimeoutError } from '../errors/index.js';
import type { ClientToScheduler } from '../protocol/messages.js';
import { toWireError } from '../protocol/wire-error.js';
import { planRebalance, planReplicas, type CopyPlan } from './replica-plans.js';
import { FanOut } from './requests.js';
import { retireWorkers } from './retirement.js';
import type { ClusterControlPort, SchedulerContext } from './context.js';
import type { ClientRecord, WorkerRecord } from './state/types.js';

type Message<K extends ClientToScheduler['op']> = Extract<ClientToScheduler, { op: K }>;

/** Why every future was cancelled, as its waiters read it. */
export const RESTART_REASON = 'the cluster was restarted (client.restart())';

export class ClusterControl implements ClusterControlPort {
  #nextId = 1;
  readonly #restarts = new Map<number, FanOut<true>>();

  /**
   * Cancels every task of every client (their futures fail with CancelledError), lets go of every holder,
   * then has each worker drop its tasks and data and replace its task threads. Answers with the workers
   * that restarted, or a TimeoutError naming those that did not within `timeoutMs`.
   */
  restart(core: SchedulerContext, client: ClientRecord, m: Message<'restart'>): void {
    const { state } = core;
    core.holders.dropAll();
    state.cancelEverything(RESTART_REASON);
    // Every client was told; none holds anything now, so the cancelled tasks are forgotten.
    for (const each of state.clients.values()) state.dropHolder(each);
    core.flush();
    const targets = [...state.workers.values()].filter((w) => w.status === 'running');
    const names = new Map(targets.map((w) => [w.peer, w.id]));
    const id = this.#nextId++;
    this.#restarts.set(id, new FanOut<true>(names.keys(), (answers, missing) => {
      this.#restarts.delete(id);
      const done = [...answers.keys()].map((peer) => names.get(peer)!);
      const late = missing.filter((peer) => state.workers.has(peer)).map((peer) => names.get(peer)!);
      const error = late.length > 0
        ? toWireError(new TimeoutError(`restart: worker(s) ${late.join(', ')} did not restart within ${m.timeoutMs} ms; raise timeoutMs, or look at their logs (client.getWorkerLogs())`))
        : undefined;
      core.send(client.peer, { op: 'control-reply', id: m.id, done, ...(error ? { error } : {}) });
      core.flush();
    }, m.timeoutMs));
    for (const worker of targets) core.send(worker.peer, { op: 'restart', id });
  }

  /** A worker answered a restart. */
  restarted(id: number, peer: string): void {
    this.#restarts.get(id)?.answer(peer, true);
  }

  /** A worker left: no restart waits for it. */
  workerLeft(peer: string): void {
    for (const fan of this.#restarts.values()) fan.drop(peer);
  }

  /** Retires the named workers (ids, names, addresses or hosts); answers with the ids of those retired. */
  async retire(core: SchedulerContext, client: ClientRecord, m: Message<'retire-workers'>): Promise<void> {
    const chosen = core.requests.targets(m.workers);
    const unknown = m.workers.filter((name) => !chosen.some((w) => matches(w, name)));
    if (m.workers.length === 0 || unknown.length > 0) {
      const known = core.requests.targets(undefined).map((w) => w.id).join(', ') || 'none';
      const what = m.workers.length === 0 ? 'no worker was named' : `no running worker is named ${unknown.map((n) => JSON.stringify(n)).join(', ')}`;
      const error = toWireError(new FlotillaError(`retireWorkers: ${what}; running workers: ${known} (name them by id, address or host)`));
      core.send(client.peer, { op: 'control-reply', id: m.id, done: [], error });
      core.flush();
      return;
    }
    const done = await retireWorkers(core, chosen.map((w) => w.id), `retired by client ${client.id}`, m.closeWorkers);
    core.send(client.peer, { op: 'control-reply', id: m.id, done });
    core.flush();
  }

  /** Copies keys to reach `n` holders each (dropping copies past `n`); answers with the keys changed. */
  async replicate(core: SchedulerContext, client: ClientRecord, m: Message<'replicate'>): Promise<void> {
    const pool = core.requests.targets(m.workers);
    const plan = planReplicas(core.state.tasks, m.keys, pool, m.n);
    await this.#carryOut(core, client, m.id, plan);
  }

  /** Moves results from workers holding more bytes than the mean to those holding less. */
  async rebalance(core: SchedulerContext, client: ClientRecord, m: Message<'rebalance'>): Promise<void> {
    const pool = core.requests.targets(m.workers);
    const plan = planRebalance(core.state.tasks, m.keys, pool);
    await this.#carryOut(core, client, m.id, plan);
  }

  /** Copies first, then drops (only copies that are no longer the last), then answers. */
  async #carryOut(core: SchedulerContext, client: ClientRecord, replyId: number, plan: CopyPlan): Promise<void> {
    const { state } = core;
    const bySource = new Map<WorkerRecord, Map<WorkerRecord, string[]>>();
    for (const copy of plan.copies) {
      let targets = bySource.get(copy.from);
      if (!targets) bySource.set(copy.from, (targets = new Map()));
      targets.set(copy.to, [...(targets.get(copy.to) ?? []), copy.key]);
    }
    await Promise.all([...bySource].map(([source, targets]) => core.requests.copyFrom(source, targets)));
    const changed = new Set(plan.copies.filter((c) => c.to.status !== 'removed' && state.tasks.get(c.key)?.holders.has(c.to)).map((c) => c.key));
    const drops = new Map<WorkerRecord, string[]>();
    for (const drop of plan.drops) {
      // A move drops the sender's copy only once the copy arrived.
      if (drop.unlessCopied && !changed.has(drop.key)) continue;
      drops.set(drop.worker, [...(drops.get(drop.worker) ?? []), drop.key]);
    }
    for (const [worker, keys] of drops) for (const key of state.dropReplicas(worker, keys)) changed.add(key);
    core.send(client.peer, { op: 'control-reply', id: replyId, done: [...changed] });
    core.flush();
  }
}

function matches(worker: WorkerRecord, name: string): boolean {
  return name === worker.id || name === worker.info.address || name === worker.info.host;
}
