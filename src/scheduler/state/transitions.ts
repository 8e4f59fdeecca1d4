/**
 * The task life cycle, all in one table: `from->to` → handler. A handler changes scheduler state and
 * queues messages and further recommendations through the context; it never touches a socket. A pair
 * missing from the table goes through `released` when both halves exist, otherwise it is an
 * InvalidTransitionError.
 */
import type { FinishedItem, SchedulerToClient, SchedulerToWorker, WireError } from '../../protocol/messages.js';
import { addHolder, link, NO_WORKERS, PENDING_STATES, type ClientRecord, type TaskRecord, type TaskStateName, type WorkerRecord } from './types.js';
import type { ReadyQueue } from './ready-queue.js';

export interface TransitionArgs {
  error?: WireError;
  reason?: string;
  worker?: WorkerRecord;
  /** Workers that already hold the value (scattered data). */
  holders?: WorkerRecord[];
}

/** What a handler may use: the engine's state and its outgoing queues. */
export interface TransitionContext {
  readonly ready: ReadyQueue;
  recommend(task: TaskRecord, to: TaskStateName, args?: TransitionArgs): void;
  toClient(client: ClientRecord, message: SchedulerToClient): void;
  toWorker(worker: WorkerRecord, message: SchedulerToWorker): void;
  /** Tells a client one key finished: merged with the other finished keys going to that client. */
  finishedToClient(client: ClientRecord, item: FinishedItem): void;
  /** Tells a client one key was cancelled: merged with the next keys cancelled for the same reason. */
  cancelledToClient(client: ClientRecord, key: string, reason: string): void;
  /** Frees one key on a worker, or cancels it there: merged with others of the same kind to that worker. */
  keyToWorker(worker: WorkerRecord, op: 'free-keys' | 'cancel-compute', key: string): void;
  /** Sends the compute order (and the function source the worker lacks). */
  sendCompute(task: TaskRecord, worker: WorkerRecord): void;
  /** A task of an actor is queued: the actor router sends it, in submission order (see actor-router.ts). */
  queuedActorTask(task: TaskRecord): void;
  /** Assigns a waiting task at once to the worker computing all its missing inputs, if there is one with room. */
  tryEarlyAssign(task: TaskRecord): void;
  /** True while a client wants the task or a pending dependent needs its result. */
  isNeeded(task: TaskRecord): boolean;
  /** Re-checks whether a task can release its data or be forgotten. */
  checkRelease(task: TaskRecord): void;
  forget(task: TaskRecord): void;
  /**
   * Calls `each` for every dependent of `task`, all at once when they are few, or spread over turns when
   * they are many (see engine.ts); with `whileState`, what is left stops once `task` leaves that state.
   */
  fanOut(task: TaskRecord, each: (dependent: TaskRecord) => void, whileState?: TaskStateName): void;
}

type Handler = (ctx: TransitionContext, task: TaskRecord, args: TransitionArgs) => void;
export type TransitionName = `${TaskStateName}->${TaskStateName}`;

function leaveWorker(ctx: TransitionContext, task: TaskRecord, cancelOnWorker: boolean): void {
  const worker = task.processingOn;
  if (!worker) return;
  worker.processing.delete(task);
  task.processingOn = undefined;
  if (cancelOnWorker && worker.status !== 'removed') ctx.keyToWorker(worker, 'cancel-compute', task.key);
}

function dropData(ctx: TransitionContext, task: TaskRecord): void {
  for (const holder of task.holders) {
    holder.hasWhat.delete(task);
    if (holder.status !== 'removed') ctx.keyToWorker(holder, 'free-keys', task.key);
  }
  task.holders = NO_WORKERS as Set<WorkerRecord>;
  task.pendingValue = undefined;
}

function notifyClients(ctx: TransitionContext, task: TaskRecord, message: SchedulerToClient): void {
  for (const client of task.wantedBy) ctx.toClient(client, message);
}

function failDependents(ctx: TransitionContext, task: TaskRecord, to: 'erred' | 'cancelled', args: TransitionArgs): void {
  if (task.dependents.size === 0) return;
  ctx.fanOut(task, (dependent) => {
    if (PENDING_STATES.has(dependent.state) || dependent.state === 'released') ctx.recommend(dependent, to, args);
  }, task.state);
}

/**
 * Dependents sent ahead to `task`'s worker to run behind it there (see tryEarlyAssign) wait on that
 * worker for a value it will no longer compute, and nobody would bring it when `task` runs elsewhere:
 * they leave that worker too, and are assigned again once `task` is.
 */
function releaseSentAhead(ctx: TransitionContext, task: TaskRecord): void {
  const worker = task.processingOn;
  if (!worker || task.dependents.size === 0) return;
  ctx.fanOut(task, (dependent) => {
    if (dependent.state === 'processing' && dependent.processingOn === worker && dependent.waitingOn.has(task)) ctx.recommend(dependent, 'released');
  });
}

const toReleased: Handler = (ctx, task) => {
  releaseSentAhead(ctx, task);
  leaveWorker(ctx, task, true);
  ctx.ready.delete(task);
  dropData(ctx, task);
  task.waitingOn.clear();
  if (ctx.isNeeded(task)) ctx.recommend(task, 'waiting');
  else ctx.checkRelease(task);
};

const toErred: Handler = (ctx, task, args) => {
  leaveWorker(ctx, task, true);
  ctx.ready.delete(task);
  task.waitingOn.clear();
  task.error = args.error ?? { name: 'Error', message: `task ${task.key} failed` };
  notifyClients(ctx, task, { op: 'task-erred', key: task.key, error: task.error });
  failDependents(ctx, task, 'erred', { error: task.error });
  ctx.checkRelease(task);
};

const toCancelled: Handler = (ctx, task, args) => {
  leaveWorker(ctx, task, true);
  ctx.ready.delete(task);
  dropData(ctx, task);
  task.waitingOn.clear();
  task.reason = args.reason ?? 'cancelled';
  for (const client of task.wantedBy) ctx.cancelledToClient(client, task.key, task.reason);
  failDependents(ctx, task, 'cancelled', { reason: `its input ${task.key} was cancelled` });
  ctx.checkRelease(task);
};

const toForgotten: Handler = (ctx, task) => {
  leaveWorker(ctx, task, true);
  ctx.ready.delete(task);
  dropData(ctx, task);
  ctx.forget(task);
};

const releasedToWaiting: Handler = (ctx, task) => {
  if (!task.spec) {
    // Scattered data cannot be recomputed.
    ctx.recommend(task, 'lost', { reason: `scattered data ${task.key} has no copy left on any worker` });
    return;
  }
  task.waitingOn.clear();
  for (const dep of task.deps) {
    switch (dep.state) {
      case 'memory':
        continue;
      case 'erred':
        ctx.recommend(task, 'erred', { error: dep.error });
        return;
      case 'cancelled':
        ctx.recommend(task, 'cancelled', { reason: `its input ${dep.key} was cancelled` });
        return;
      case 'lost':
      case 'forgotten':
        ctx.recommend(task, 'erred', {
          error: { name: 'LostResultError', code: 'LOST', message: `input ${dep.key} of ${task.key} is lost and cannot be recomputed (${dep.reason ?? 'released'})` },
        });
        return;
      case 'released':
        link(task, 'waitingOn', dep);
        ctx.recommend(dep, 'waiting');
        break;
      default:
        link(task, 'waitingOn', dep);
    }
  }
  if (task.waitingOn.size === 0) ctx.recommend(task, 'queued');
  else ctx.tryEarlyAssign(task);
};

const waitingToQueued: Handler = (ctx, task) => {
  if (task.spec?.actor) ctx.queuedActorTask(task);
  else ctx.ready.push(task);
};

/** An actor lost with no restarts left (actor-router.ts): its result, the actor's marker, goes too. */
const memoryToErred: Handler = (ctx, task, args) => {
  dropData(ctx, task);
  toErred(ctx, task, args);
};

const toProcessing: Handler = (ctx, task, args) => {
  const worker = args.worker;
  if (!worker) throw new Error(`moving ${task.key} to processing needs a worker`);
  ctx.ready.delete(task);
  task.processingOn = worker;
  if (worker.processing.size === 0 || task.priority < worker.lowestPriority) worker.lowestPriority = task.priority;
  worker.processing.add(task);
  ctx.sendCompute(task, worker);
  // Dependents whose every missing input now runs on this worker can go there at once: a chain of
  // tasks then runs without a scheduler round trip between links.
  if (task.dependents.size > 0) ctx.fanOut(task, (dependent) => { if (dependent.state === 'waiting') ctx.tryEarlyAssign(dependent); }, 'processing');
};

const processingToMemory: Handler = (ctx, task, args) => {
  const worker = args.worker!;
  worker.processing.delete(task);
  task.processingOn = undefined;
  addHolder(task, worker);
  worker.hasWhat.add(task);
  task.error = undefined;
  const item: FinishedItem = task.pendingValue ? { key: task.key, nbytes: task.nbytes, value: task.pendingValue } : { key: task.key, nbytes: task.nbytes };
  // The client of a direct actor call had its value from the worker and told us: nothing to tell it.
  if (!task.spec?.actor?.direct) for (const client of task.wantedBy) ctx.finishedToClient(client, item);
  task.pendingValue = undefined;
  if (task.dependents.size > 0) ctx.fanOut(task, (dependent) => inputReady(ctx, task, dependent), 'memory');
  for (const dep of task.deps) ctx.checkRelease(dep);
  ctx.checkRelease(task);
};

/** Scattered data arrives already stored on its holders. */
const releasedToMemory: Handler = (ctx, task, args) => {
  for (const holder of args.holders ?? []) {
    if (holder.status === 'removed') continue;
    addHolder(task, holder);
    holder.hasWhat.add(task);
  }
  task.error = undefined;
  for (const client of task.wantedBy) ctx.finishedToClient(client, { key: task.key, nbytes: task.nbytes });
  if (task.dependents.size > 0) ctx.fanOut(task, (dependent) => inputReady(ctx, task, dependent), 'memory');
};

/** `task`, an input of `dependent`, is in memory: the dependent is queued once it waits on nothing else. */
function inputReady(ctx: TransitionContext, task: TaskRecord, dependent: TaskRecord): void {
  if (!dependent.waitingOn.delete(task)) return;
  if (dependent.state === 'processing') {
    // It was sent ahead to run behind `task`, and this worker now has room: the next link of the
    // chain, held back by the worker's capacity (see tryEarlyAssign), may follow it there.
    for (const next of dependent.dependents) if (next.state === 'waiting') ctx.tryEarlyAssign(next);
    return;
  }
  if (dependent.state !== 'waiting') return;
  if (dependent.waitingOn.size === 0) ctx.recommend(dependent, 'queued');
  else ctx.tryEarlyAssign(dependent);
}

const memoryToLost: Handler = (ctx, task, args) => {
  dropData(ctx, task);
  task.reason = args.reason ?? 'lost';
  notifyClients(ctx, task, { op: 'task-lost', key: task.key, reason: task.reason });
  failDependents(ctx, task, 'erred', {
    error: { name: 'LostResultError', code: 'LOST', message: `input ${task.key} was lost: ${task.reason}` },
  });
  ctx.checkRelease(task);
};

export const TRANSITIONS = {
  'released->waiting': releasedToWaiting,
  'released->erred': toErred,
  'released->cancelled': toCancelled,
  'released->lost': memoryToLost,
  'released->forgotten': toForgotten,
  'released->memory': releasedToMemory,
  'waiting->queued': waitingToQueued,
  'waiting->processing': toProcessing,
  'waiting->released': toReleased,
  'waiting->erred': toErred,
  'waiting->cancelled': toCancelled,
  'waiting->lost': memoryToLost,
  'queued->processing': toProcessing,
  'queued->released': toReleased,
  'queued->erred': toErred,
  'queued->cancelled': toCancelled,
  'processing->memory': processingToMemory,
  'processing->released': toReleased,
  'processing->erred': toErred,
  'processing->cancelled': toCancelled,
  'memory->released': toReleased,
  'memory->lost': memoryToLost,
  'memory->cancelled': toCancelled,
  'memory->erred': memoryToErred,
  'memory->forgotten': toForgotten,
  'erred->released': toReleased,
  'erred->forgotten': toForgotten,
  'cancelled->released': toReleased,
  'cancelled->forgotten': toForgotten,
  'lost->released': toReleased,
  'lost->forgotten': toForgotten,
} satisfies Partial<Record<TransitionName, Handler>>;

/** The table indexed by start state, then end state: the lookup runs several times per task, without building a string. */
const HANDLERS_BY_START = new Map<TaskStateName, Map<TaskStateName, Handler>>();
for (const [name, handler] of Object.entries(TRANSITIONS) as Array<[TransitionName, Handler]>) {
  const [from, to] = name.split('->') as [TaskStateName, TaskStateName];
  let byEnd = HANDLERS_BY_START.get(from);
  if (!byEnd) HANDLERS_BY_START.set(from, (byEnd = new Map()));
  byEnd.set(to, handler);
}

export function findHandler(from: TaskStateName, to: TaskStateName): Handler | undefined {
  return HANDLERS_BY_START.get(from)?.get(to);
}
