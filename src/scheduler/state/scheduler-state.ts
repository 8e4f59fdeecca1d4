/**
 * The scheduler's pure state: the task graph, workers and clients. It takes stimuli (a client submits,
 * a worker finished a task, a worker died …), runs transitions to a fixed point, and queues messages
 * for the server to send. It owns no sockets and no timers, so it can be tested with plain calls.
 */
import { InvalidTransitionError } from '../../errors/index.js';
import type {
  ComputeOrder, DepLocation, FunctionSource, TaskFinishedReport, TaskSpec, WireError, WorkerRegistration,
} from '../../protocol/messages.js';
import { DurationStats, decideWorker, satisfiesRestrictions, workerCapacity } from './assignment.js';
import { ReadyQueue } from './ready-queue.js';
import { findHandler, type TransitionArgs, type TransitionContext } from './transitions.js';
import { newTask, type ClientRecord, type Outgoing, type TaskRecord, type TaskStateName, type WorkerRecord } from './types.js';

export interface SchedulerStateOptions {
  /** Worker deaths while running the same task before it fails with KilledWorkerError. @defaultValue 3 */
  allowedFailures?: number;
  /** Check every invariant after each stimulus (slow; for tests). @defaultValue false */
  validate?: boolean;
  /** Stop with an error after this many transitions (catches loops in tests). */
  transitionLimit?: number;
}

interface StoryEntry {
  key: string;
  from: TaskStateName;
  to: TaskStateName;
  stimulus: string;
  time: number;
}

const STORY_LENGTH = 20_000;
const PENDING: ReadonlySet<TaskStateName> = new Set(['waiting', 'queued', 'processing']);

export class SchedulerState {
  readonly tasks = new Map<string, TaskRecord>();
  readonly workers = new Map<string, WorkerRecord>();
  readonly clients = new Map<string, ClientRecord>();
  readonly functions = new Map<string, FunctionSource>();
  readonly ready = new ReadyQueue();
  readonly stats = new DurationStats();
  /** Tasks finished and erred per group since the start (kept after the tasks are forgotten). */
  readonly groupTotals = new Map<string, { finished: number; erred: number }>();
  readonly allowedFailures: number;
  transitionCount = 0;

  #outgoing: Outgoing[] = [];
  /** The last message queued per peer, while it can still take more items. */
  #open = new Map<string, { op: string; message: object }>();
  #recommendations = new Map<TaskRecord, { to: TaskStateName; args: TransitionArgs }>();
  #seq = 0;
  #rotation = 0;
  #stimulus = '';
  #story: StoryEntry[] = [];
  readonly #validate: boolean;
  readonly #transitionLimit: number;
  readonly #ctx: TransitionContext;

  constructor(options: SchedulerStateOptions = {}) {
    this.allowedFailures = options.allowedFailures ?? 3;
    this.#validate = options.validate ?? false;
    this.#transitionLimit = options.transitionLimit ?? Infinity;
    this.#ctx = {
      ready: this.ready,
      recommend: (task, to, args = {}) => this.#recommendations.set(task, { to, args }),
      toClient: (client, message) => this.#queue('client', client.peer, message),
      toWorker: (worker, message) => this.#queue('worker', worker.peer, message),
      sendCompute: (task, worker) => this.#sendCompute(task, worker),
      tryEarlyAssign: (task) => this.#tryEarlyAssign(task),
      isNeeded: (task) => this.#isNeeded(task),
      checkRelease: (task) => this.#checkRelease(task),
      forget: (task) => this.#forget(task),
    };
  }

  /** Messages queued by the stimuli so far; the server sends them, batched per peer. */
  takeOutgoing(): Outgoing[] {
    const out = this.#outgoing;
    this.#outgoing = [];
    this.#open.clear();
    return out;
  }

  /**
   * Queues a message. Consecutive messages of a mergeable op (see MERGED_LIST) to one peer merge into
   * one: fewer, larger messages are much cheaper to encode and handle.
   */
  #queue(to: 'client' | 'worker', peer: string, message: object): void {
    const op = (message as { op: string }).op;
    const list = MERGED_LIST.get(op);
    if (list === undefined) {
      this.#outgoing.push({ to, peer, message } as Outgoing);
      this.#open.delete(peer);
      return;
    }
    const open = this.#open.get(peer);
    if (open && open.op === op) {
      (open.message as Record<string, unknown[]>)[list]!.push(...(message as Record<string, unknown[]>)[list]!);
      return;
    }
    this.#outgoing.push({ to, peer, message } as Outgoing);
    this.#open.set(peer, { op, message });
  }

  // ------------------------------------------------------------------ clients

  addClient(peer: string, id: string, now: number): ClientRecord {
    const client: ClientRecord = { peer, id, wants: new Set(), lastSeen: now };
    this.clients.set(peer, client);
    return client;
  }

  removeClient(peer: string): void {
    const client = this.clients.get(peer);
    if (!client) return;
    this.clients.delete(peer);
    this.#run(`remove-client-${client.id}`, () => {
      for (const task of client.wants) {
        task.wantedBy.delete(client);
        this.#checkRelease(task);
      }
      client.wants.clear();
    });
  }

  registerFunctions(fns: FunctionSource[]): void {
    for (const fn of fns) this.functions.set(fn.hash, fn);
  }

  submit(client: ClientRecord, specs: TaskSpec[]): void {
    this.#run(`submit-${client.id}`, () => {
      const created = new Set<TaskRecord>();
      for (const spec of specs) {
        let task = this.tasks.get(spec.key);
        if (!task) {
          task = newTask(spec.key, spec, this.#seq++);
          this.tasks.set(spec.key, task);
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
        for (const depKey of task.spec!.deps) {
          const dep = this.tasks.get(depKey);
          if (!dep) {
            this.#recommend(task, 'erred', {
              error: {
                name: 'LostResultError', code: 'LOST',
                message: `input ${depKey} of ${task.key} was released before the task was submitted; keep a reference to its future until dependents are submitted`,
              },
            });
            continue;
          }
          task.deps.add(dep);
          dep.dependents.add(task);
        }
        if (!this.#recommendations.has(task)) this.#recommend(task, task.state === 'released' ? 'waiting' : 'released');
      }
      // Tell the client at once about keys that were already done (pure keys submitted again).
      for (const spec of specs) {
        const task = this.tasks.get(spec.key)!;
        if (created.has(task)) continue;
        if (task.state === 'memory') this.#ctx.toClient(client, { op: 'task-finished', items: [{ key: task.key, nbytes: task.nbytes }] });
        else if (task.state === 'erred' && task.error) this.#ctx.toClient(client, { op: 'task-erred', key: task.key, error: task.error });
      }
    });
  }

  release(client: ClientRecord, keys: string[]): void {
    this.#run(`release-${client.id}`, () => {
      for (const key of keys) {
        const task = this.tasks.get(key);
        if (!task) continue;
        task.wantedBy.delete(client);
        client.wants.delete(task);
        this.#checkRelease(task);
      }
    });
  }

  cancel(client: ClientRecord, keys: string[]): void {
    this.#run(`cancel-${client.id}`, () => {
      for (const key of keys) {
        const task = this.tasks.get(key);
        if (!task || task.state === 'cancelled' || task.state === 'forgotten') continue;
        this.#recommend(task, 'cancelled', { reason: `cancelled by client ${client.id}` });
      }
    });
  }

  /** Scattered data: the values already sit on `holders`. */
  addData(client: ClientRecord, keys: string[], nbytes: number[], holders: WorkerRecord[]): void {
    this.#run(`scatter-${client.id}`, () => {
      keys.forEach((key, i) => {
        let task = this.tasks.get(key);
        if (!task) {
          task = newTask(key, undefined, this.#seq++);
          this.tasks.set(key, task);
        }
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
          this.#transition(task, 'memory', { holders });
        }
      });
    });
  }

  // ------------------------------------------------------------------ workers

  addWorker(peer: string, info: WorkerRegistration, now: number): WorkerRecord {
    const worker: WorkerRecord = {
      peer, id: info.name, info, processing: new Set(), hasWhat: new Set(), executing: new Set(),
      knownFunctions: new Set(), memory: 0, lastSeen: now, status: 'running',
    };
    this.workers.set(peer, worker);
    this.#run(`add-worker-${info.name}`, () => {});
    return worker;
  }

  workerByName(name: string): WorkerRecord | undefined {
    for (const worker of this.workers.values()) if (worker.id === name && worker.status !== 'removed') return worker;
    return undefined;
  }

  /** A retiring worker takes no new tasks; what it was running goes elsewhere now. */
  beginRetire(worker: WorkerRecord): void {
    if (worker.status !== 'running') return;
    this.#run(`retire-${worker.id}`, () => {
      worker.status = 'closing';
      for (const task of [...worker.processing]) this.#recommend(task, 'released');
    });
  }

  /** Results only `worker` holds and someone still needs: what must move before it leaves. */
  keysOnlyOn(worker: WorkerRecord): string[] {
    return [...worker.hasWhat].filter((t) => t.holders.size === 1 && t.state === 'memory' && this.#isNeeded(t)).map((t) => t.key);
  }

  /** `worker` now holds copies of `keys` too. */
  addReplicas(worker: WorkerRecord, keys: string[]): void {
    for (const key of keys) {
      const task = this.tasks.get(key);
      if (!task || task.state !== 'memory' || worker.status === 'removed') continue;
      task.holders.add(worker);
      worker.hasWhat.add(task);
    }
  }

  /** A worker left or died: reschedule what it ran, recompute what only it held. */
  removeWorker(peer: string, reason: string, graceful = false): WorkerRecord | undefined {
    const worker = this.workers.get(peer);
    if (!worker) return undefined;
    this.workers.delete(peer);
    worker.status = 'removed';
    this.#run(`remove-worker-${worker.id}`, () => {
      const blamed = graceful ? new Set<TaskRecord>() : tasksRunningAtDeath(worker);
      for (const task of [...worker.processing]) {
        worker.processing.delete(task);
        task.processingOn = undefined;
        if (blamed.has(task)) {
          task.killedOn.push(worker.id);
          if (task.killedOn.length >= this.allowedFailures) {
            this.#recommend(task, 'erred', { error: this.#killedWorkerError(task, reason) });
            continue;
          }
        }
        this.#recommend(task, 'released');
      }
      for (const task of [...worker.hasWhat]) {
        task.holders.delete(worker);
        worker.hasWhat.delete(task);
        if (task.holders.size > 0 || task.state !== 'memory') continue;
        if (!task.spec) {
          this.#recommend(task, 'lost', { reason: `its only holder, worker ${worker.id}, left (${reason})` });
          continue;
        }
        this.#recommend(task, 'released');
        for (const dependent of task.dependents) {
          if (dependent.state === 'processing' && dependent.processingOn !== worker) this.#recommend(dependent, 'released');
        }
      }
    });
    return worker;
  }

  #killedWorkerError(task: TaskRecord, reason: string): WireError {
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

  heartbeat(worker: WorkerRecord, executing: string[], memory: number, now: number): void {
    worker.lastSeen = now;
    worker.memory = memory;
    worker.executing = new Set(executing);
  }

  started(worker: WorkerRecord, keys: string[]): void {
    for (const key of keys) worker.executing.add(key);
  }

  taskFinished(worker: WorkerRecord, reports: TaskFinishedReport[]): void {
    this.#run(`finished-${worker.id}`, () => {
      for (const report of reports) {
        worker.executing.delete(report.key);
        const task = this.tasks.get(report.key);
        if (!task || task.state !== 'processing' || task.processingOn !== worker) {
          if (task && task.state === 'memory' && !task.holders.has(worker)) {
            task.holders.add(worker);
            worker.hasWhat.add(task);
          } else if (!task || !task.holders.has(worker)) {
            this.#ctx.toWorker(worker, { op: 'free-keys', keys: [report.key] });
          }
          continue;
        }
        task.nbytes = report.nbytes;
        task.pendingValue = report.value;
        this.#groupTotal(task.group).finished++;
        this.stats.record(task.group, report.duration);
        this.#recommend(task, 'memory', { worker });
      }
    });
  }

  taskErred(worker: WorkerRecord, key: string, error: WireError, duration: number): void {
    this.#run(`erred-${worker.id}`, () => {
      worker.executing.delete(key);
      const task = this.tasks.get(key);
      if (!task || task.state !== 'processing' || task.processingOn !== worker) return;
      this.stats.record(task.group, duration);
      if (task.retriesLeft === 0) this.#groupTotal(task.group).erred++;
      if (task.retriesLeft > 0) {
        task.retriesLeft--;
        this.#recommend(task, 'released');
      } else {
        this.#recommend(task, 'erred', { error: { ...error, key } });
      }
    });
  }

  /** A worker could not fetch inputs of `key`: forget those holders and try again. */
  missingData(worker: WorkerRecord, key: string, missing: string[]): void {
    this.#run(`missing-data-${worker.id}`, () => {
      for (const depKey of missing) {
        const dep = this.tasks.get(depKey);
        if (!dep) continue;
        for (const holder of [...dep.holders]) {
          if (holder.status === 'removed') dep.holders.delete(holder);
        }
        if (dep.state === 'memory' && dep.holders.size === 0) this.#recommend(dep, dep.spec ? 'released' : 'lost', { reason: 'no holder could send it' });
      }
      const task = this.tasks.get(key);
      if (task && task.state === 'processing' && task.processingOn === worker) this.#recommend(task, 'released');
    });
  }

  /** Where the given keys live, as worker peer addresses. */
  whoHas(keys: string[]): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const key of keys) {
      const task = this.tasks.get(key);
      out[key] = task ? [...task.holders].map((w) => w.info.address) : [];
    }
    return out;
  }

  /** Re-offers queued tasks to workers (after capacity frees up or a worker joins). */
  fill(): void {
    this.#run('fill', () => {});
  }

  #groupTotal(group: string): { finished: number; erred: number } {
    let totals = this.groupTotals.get(group);
    if (!totals) this.groupTotals.set(group, (totals = { finished: 0, erred: 0 }));
    return totals;
  }

  /** Per task group: tasks by state now (waiting, queued, processing, memory, erred …) plus cumulative totals. */
  progressByGroup(): Record<string, { states: Record<string, number>; finished: number; erred: number }> {
    const out: Record<string, { states: Record<string, number>; finished: number; erred: number }> = {};
    for (const [group, totals] of this.groupTotals) out[group] = { states: {}, ...totals };
    for (const task of this.tasks.values()) {
      const entry = (out[task.group] ??= { states: {}, finished: 0, erred: 0 });
      entry.states[task.state] = (entry.states[task.state] ?? 0) + 1;
    }
    return out;
  }

  story(key: string): StoryEntry[] {
    return this.#story.filter((entry) => entry.key === key);
  }

  countsByState(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const task of this.tasks.values()) counts[task.state] = (counts[task.state] ?? 0) + 1;
    return counts;
  }

  // ------------------------------------------------------------------ engine

  #recommend(task: TaskRecord, to: TaskStateName, args: TransitionArgs = {}): void {
    this.#recommendations.set(task, { to, args });
  }

  /** Runs one stimulus: the body queues recommendations, then transitions run until none are left. */
  #run(stimulus: string, body: () => void): void {
    this.#stimulus = stimulus;
    body();
    for (;;) {
      this.#drainRecommendations();
      if (!this.#assignReady()) break;
    }
    if (this.#validate) this.validate();
  }

  #drainRecommendations(): void {
    // A Map iterator is live: recommendations made while draining are visited too, and a task
    // recommended again after its turn is appended again. Taking entries from the front with a fresh
    // iterator each time would rescan deleted slots and turn this quadratic.
    for (const [task, { to, args }] of this.#recommendations) {
      this.#recommendations.delete(task);
      this.#transition(task, to, args);
    }
  }

  #transition(task: TaskRecord, to: TaskStateName, args: TransitionArgs): void {
    const from = task.state;
    if (from === to || from === 'forgotten') return;
    if (++this.transitionCount > this.#transitionLimit) {
      throw new InvalidTransitionError(`more than ${this.#transitionLimit} transitions: a loop? last was ${task.key} ${from}->${to}`);
    }
    const handler = findHandler(from, to);
    if (handler) {
      task.state = to;
      this.#log(task, from, to);
      handler(this.#ctx, task, args);
      return;
    }
    if (findHandler(from, 'released') && findHandler('released', to)) {
      this.#transition(task, 'released', {});
      if (task.state === 'released') this.#transition(task, to, args);
      else this.#recommend(task, to, args);
      return;
    }
    throw new InvalidTransitionError(
      `impossible transition ${from} -> ${to} for task ${task.key}; its story: ${JSON.stringify(this.story(task.key).slice(-10))}`,
    );
  }

  #log(task: TaskRecord, from: TaskStateName, to: TaskStateName): void {
    if (this.#story.length >= STORY_LENGTH) this.#story.splice(0, STORY_LENGTH / 2);
    this.#story.push({ key: task.key, from, to, stimulus: this.#stimulus, time: Date.now() });
  }

  /** Moves queued tasks to workers with room, in priority order. Returns true when it recommended anything. */
  #assignReady(): boolean {
    if (this.ready.size === 0) return false;
    const running = [...this.workers.values()].filter((w) => w.status === 'running');
    if (running.length === 0) return false;
    const blocked: TaskRecord[] = [];
    let assigned = false;
    let task: TaskRecord | undefined;
    while ((task = this.ready.pop())) {
      const t = task;
      const candidates = running.filter((w) => w.processing.size < workerCapacity(w, t.group, this.stats));
      if (candidates.length === 0) {
        blocked.push(t);
        // Every worker is full for this group; other groups may still fit, but order matters more.
        break;
      }
      const worker = decideWorker(t, candidates, this.#rotation++);
      if (!worker) {
        blocked.push(t);
        continue;
      }
      this.#transition(t, 'processing', { worker });
      assigned = true;
    }
    for (const t of blocked) this.ready.push(t);
    return assigned && this.#recommendations.size > 0;
  }

  #sendCompute(task: TaskRecord, worker: WorkerRecord): void {
    const spec = task.spec!;
    if (!worker.knownFunctions.has(spec.fn)) {
      const fn = this.functions.get(spec.fn);
      if (fn) this.#ctx.toWorker(worker, { op: 'functions', fns: [fn] });
      worker.knownFunctions.add(spec.fn);
    }
    const deps: DepLocation[] = [];
    for (const dep of task.deps) {
      deps.push({ key: dep.key, holders: [...dep.holders].map((w) => w.info.address), local: dep.processingOn === worker || dep.holders.has(worker) });
    }
    const order: ComputeOrder = { key: task.key, fn: spec.fn, args: spec.args, deps, priority: task.priority };
    if (spec.restrictions?.resources) order.resources = spec.restrictions.resources;
    this.#ctx.toWorker(worker, { op: 'compute', tasks: [order] });
  }

  #tryEarlyAssign(task: TaskRecord): void {
    if (task.state !== 'waiting' || task.waitingOn.size === 0) return;
    let target: WorkerRecord | undefined;
    for (const dep of task.waitingOn) {
      if (dep.state !== 'processing' || !dep.processingOn) return;
      if (target && dep.processingOn !== target) return;
      target = dep.processingOn;
    }
    if (!target || target.status !== 'running' || !satisfiesRestrictions(task, target, true)) return;
    this.#recommend(task, 'processing', { worker: target });
  }

  #isNeeded(task: TaskRecord): boolean {
    if (task.wantedBy.size > 0) return true;
    for (const dependent of task.dependents) if (PENDING.has(dependent.state)) return true;
    return false;
  }

  #checkRelease(task: TaskRecord): void {
    if (this.#recommendations.has(task) || this.#isNeeded(task)) return;
    switch (task.state) {
      case 'memory':
      case 'waiting':
      case 'queued':
      case 'processing':
        this.#recommend(task, task.dependents.size === 0 ? 'forgotten' : 'released');
        break;
      case 'released':
      case 'erred':
      case 'cancelled':
      case 'lost':
        if (task.dependents.size === 0) this.#recommend(task, 'forgotten');
        break;
      default:
        break;
    }
  }

  #forget(task: TaskRecord): void {
    this.tasks.delete(task.key);
    for (const client of task.wantedBy) client.wants.delete(task);
    task.wantedBy.clear();
    for (const dep of task.deps) {
      dep.dependents.delete(task);
      this.#checkRelease(dep);
    }
    for (const dependent of task.dependents) dependent.deps.delete(task);
  }

  /** Checks the invariants; throws an Error naming the first broken one. */
  validate(): void {
    for (const task of this.tasks.values()) {
      const fail = (what: string) => {
        throw new Error(`invalid scheduler state for ${task.key} (${task.state}): ${what}`);
      };
      if (task.state === 'processing') {
        if (!task.processingOn || task.processingOn.status === 'removed') fail('processing on no live worker');
        if (!task.processingOn!.processing.has(task)) fail('not in its worker\'s processing set');
      } else if (task.processingOn) fail('has processingOn outside processing');
      if (task.state === 'memory' && task.holders.size === 0) fail('in memory without holders');
      if (task.state !== 'memory' && task.holders.size > 0) fail('has holders outside memory');
      for (const holder of task.holders) if (holder.status === 'removed') fail(`held by removed worker ${holder.id}`);
      if (task.state === 'queued' && !this.ready.has(task)) fail('queued but not in the ready queue');
      if (task.state === 'waiting') {
        for (const dep of task.waitingOn) if (dep.state === 'memory') fail(`waits on ${dep.key} which is in memory`);
      }
    }
  }
}

/** Ops whose consecutive messages to one peer merge, and the list field that merges. */
const MERGED_LIST: ReadonlyMap<string, string> = new Map([
  ['compute', 'tasks'],
  ['task-finished', 'items'],
  ['free-keys', 'keys'],
  ['cancel-compute', 'keys'],
]);

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
