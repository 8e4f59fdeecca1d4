import { describe, expect, it } from 'vitest';
import type { ComputeOrder, DepLocation, WireValue } from '../../src/protocol/messages.js';
import { INLINE_RESULT_BYTES, WorkerTaskState } from '../../src/worker/state/task-state.js';
import type { FetchRequest, TaskEffects, TaskThreads } from '../../src/worker/state/types.js';
import { StoredData, toWire } from '../../src/worker/stored-data.js';
import type { StoredValue, ThreadOutcome, ThreadTask } from '../../src/worker/thread-protocol.js';

type Entry = [string, ...unknown[]];
const NOW = 1234;
const ARGS: WireValue = { body: new Uint8Array([0x90]), frames: [] };
const url = (fn: string) => `file:///fns/${fn}.mjs`;
const bytes = (n: number): StoredValue => ({ body: new Uint8Array(n), frames: [] });

/** A compute order; a dep given as a string is computed on this worker (`local`), with no holder yet. */
function order(key: string, deps: Array<string | DepLocation> = [], extra: Partial<ComputeOrder> = {}): ComputeOrder {
  const locations = deps.map((d) => (typeof d === 'string' ? { key: d, holders: [], local: true } : d));
  return { key, fn: 'f', args: ARGS, deps: locations, priority: 0, ...extra };
}

/** Threads that take up to `room` tasks, place them on thread `slot`, and write down what they were told. */
class RecordingThreads implements TaskThreads {
  readonly placement = new Map<number, number>();
  readonly sent = new Map<string, ThreadTask>();
  room = 100;
  slot = 0;
  /** When set, the next freeSlots answers this instead of `room` (a pool whose room shrank meanwhile). */
  claimedRoom: number | undefined;
  readonly fullSlots = new Set<number>();

  constructor(private readonly log: Entry[]) {}

  freeSlots(): number {
    const free = this.claimedRoom ?? this.room;
    this.claimedRoom = undefined;
    return free;
  }

  dispatch(tasks: ThreadTask[]): ThreadTask[] {
    const taken = tasks.slice(0, this.room);
    this.#place(this.slot, taken);
    this.log.push(['dispatch', taken.map((t) => t.key)]);
    return tasks.slice(taken.length);
  }

  dispatchTo(index: number, tasks: ThreadTask[]): boolean {
    if (this.fullSlots.has(index)) return false;
    this.#place(index, tasks);
    this.log.push(['dispatchTo', index, tasks.map((t) => t.key)]);
    return true;
  }

  cancel(taskId: number): void {
    this.placement.delete(taskId);
    this.log.push(['cancel', [...this.sent.values()].find((t) => t.id === taskId)!.key]);
  }

  #actorThreads = 0;
  openActorThread(actor: string): number {
    const index = 100 + this.#actorThreads++;
    this.log.push(['openActorThread', actor, index]);
    return index;
  }

  closeActorThread(index: number): void {
    this.log.push(['closeActorThread', index]);
  }

  #place(index: number, tasks: ThreadTask[]): void {
    this.room -= tasks.length;
    for (const task of tasks) {
      this.placement.set(task.id, index);
      this.sent.set(task.key, task);
    }
  }

  /** The thread is done with `key`'s task: it leaves the queue and makes room. */
  finish(key: string): ThreadTask {
    const task = this.sent.get(key)!;
    this.placement.delete(task.id);
    this.room++;
    return task;
  }
}

function setup(offeredResources: Record<string, number> = {}) {
  const log: Entry[] = [];
  const data = new StoredData();
  const threads = new RecordingThreads(log);
  const fetches: FetchRequest[] = [];
  const effects: TaskEffects = {
    send: (message) => log.push(['send', message]),
    reportsQueued: () => log.push(['reportsQueued']),
    pumpSoon: () => log.push(['pumpSoon']),
    fetch: (request) => {
      fetches.push(request);
      log.push(['fetch', request.task.order.key, Object.fromEntries(request.byHolder), request.unavailable]);
    },
    answerDirect: (origin, key, outcome) => log.push(['answerDirect', origin.peer, origin.id, key, 'report' in outcome ? 'report' : (outcome.error.fields?.notRun ? 'notRun' : outcome.error.code)]),
  };
  const modules = {
    functionUrl: (fn: string) => {
      if (fn === 'unknown') throw new Error(`function ${fn} was never sent to this worker`);
      return url(fn);
    },
  };
  const state = new WorkerTaskState(data, threads, modules, effects, { offeredResources, random: () => 0, now: () => NOW });
  /** The instructions given since the last call. */
  const take = () => log.splice(0);
  /** The thread finishes `key` with a result of `nbytes` bytes. */
  const succeed = (key: string, nbytes = 8, value = bytes(nbytes)) => {
    const task = threads.finish(key);
    const outcome: ThreadOutcome = { id: task.id, ok: true, value, nbytes, duration: 5, start: 100, thread: threads.placement.get(task.id) ?? 0 };
    state.threadFinished(task, outcome);
    return value;
  };
  return { state, data, threads, fetches, take, succeed };
}

describe('worker task state', () => {
  it('readies a task whose inputs are held here and sends it to a thread with their values', () => {
    const { state, data, threads, take } = setup();
    data.put('x', bytes(3));
    state.accept(order('a', ['x']));
    state.accept(order('a', ['x']));
    expect(state.size).toBe(1);
    expect(take()).toEqual([]);
    state.pump();
    expect(take()).toEqual([['dispatch', ['a']]]);
    expect(threads.sent.get('a')).toEqual({ id: 1, key: 'a', fnUrl: url('f'), args: { body: ARGS.body, frames: [] }, deps: [['x', data.get('x')]], keep: false });
  });

  it('waits for an input computed here later, and runs once it is stored', () => {
    const { state, take } = setup();
    state.accept(order('b', ['x']));
    state.pump();
    expect(take()).toEqual([]);
    expect(state.storeValue('x', bytes(3))).toBe(3);
    state.pump();
    expect(take()).toEqual([['dispatch', ['b']]]);
  });

  it('fetches inputs held by peers, one request per holder, and reports the transfer time', () => {
    const { state, fetches, take, succeed } = setup();
    state.accept(order('a', [
      { key: 'x', holders: ['tcp://h1:1', 'tcp://h2:1'], local: false },
      { key: 'y', holders: ['tcp://h1:1'], local: false },
      { key: 'z', holders: ['tcp://h2:1'], local: false },
    ]));
    expect(take()).toEqual([['fetch', 'a', { 'tcp://h1:1': ['x', 'y'], 'tcp://h2:1': ['z'] }, []]]);
    const wire = toWire(bytes(2));
    state.inputFetched('x', wire);
    state.inputFetched('y', wire);
    state.pump();
    expect(take()).toEqual([]);
    state.inputFetched('z', wire);
    state.fetchDone(fetches[0]!, [], 7);
    expect(take()).toEqual([['dispatch', ['a']]]);
    succeed('a');
    expect(take()).toEqual([['reportsQueued'], ['pumpSoon']]);
    expect(state.takeReports()).toEqual([{ key: 'a', nbytes: 8, duration: 5, start: 100, thread: 0, transfer: 7, value: toWire(bytes(8)) }]);
  });

  it('tells the scheduler which inputs could not be found, and drops the task', () => {
    const { state, fetches, take } = setup();
    state.accept(order('a', [{ key: 'x', holders: ['tcp://h1:1'], local: false }, { key: 'z', holders: [], local: false }]));
    expect(take()).toEqual([['fetch', 'a', { 'tcp://h1:1': ['x'] }, ['z']]]);
    state.fetchDone(fetches[0]!, ['z', 'x'], 3);
    expect(take()).toEqual([['send', { op: 'missing-data', key: 'a', missing: ['z', 'x'] }]]);
    expect(state.size).toBe(0);
    state.storeValue('x', bytes(1));
    state.storeValue('z', bytes(1));
    state.pump();
    expect(take()).toEqual([]);
  });

  it('runs ready tasks by priority, first accepted first among equals, a batch per function', () => {
    const { state, threads, take } = setup();
    state.accept(order('a', [], { priority: 1 }));
    state.accept(order('b', [], { priority: 5 }));
    state.accept(order('c', [], { priority: 3 }));
    state.accept(order('d', [], { priority: 5 }));
    state.accept(order('g', [], { priority: 4, fn: 'g' }));
    threads.room = 2;
    state.pump();
    expect(take()).toEqual([['dispatch', ['b', 'd']]]);
    threads.room = 10;
    state.pump();
    expect(take()).toEqual([['dispatch', ['g']], ['dispatch', ['c', 'a']]]);
  });

  it('puts tasks the threads did not take back in the ready queue, in order', () => {
    const { state, threads, take } = setup();
    for (const key of ['a', 'b', 'c']) state.accept(order(key));
    threads.room = 1;
    threads.claimedRoom = 3;
    state.pump();
    expect(take()).toEqual([['dispatch', ['a']]]);
    threads.room = 5;
    state.pump();
    expect(take()).toEqual([['dispatch', ['b', 'c']]]);
  });

  it('chains dependents accepted with their input onto the thread the input went to', () => {
    const { state, threads, take } = setup();
    threads.slot = 1;
    state.accept(order('a'));
    state.accept(order('b', ['a']));
    state.accept(order('c', ['b', 'a']));
    expect(take()).toEqual([]);
    state.pump();
    expect(take()).toEqual([['dispatch', ['a']], ['dispatchTo', 1, ['b', 'c']]]);
    expect(threads.sent.get('a')!.keep).toBe(true);
    expect(threads.sent.get('b')).toMatchObject({ deps: [['a', null]], keep: true });
    expect(threads.sent.get('c')).toMatchObject({ deps: [['b', null], ['a', null]], keep: false });
  });

  it('sends a dependent accepted later straight to the thread running its inputs', () => {
    const { state, threads, take } = setup();
    threads.slot = 1;
    state.accept(order('a'));
    state.pump();
    take();
    state.accept(order('b', ['a']));
    expect(take()).toEqual([['dispatchTo', 1, ['b']]]);
    expect(threads.sent.get('b')).toMatchObject({ deps: [['a', null]] });
  });

  it('does not chain across threads, onto a full thread, or a task that needs resources', () => {
    const { state, threads, take, succeed } = setup({ GPU: 1 });
    state.accept(order('a'));
    state.pump();
    threads.slot = 1;
    state.accept(order('b'));
    state.pump();
    state.accept(order('both', ['a', 'b']));
    state.accept(order('gpu', ['b'], { resources: { GPU: 1 } }));
    threads.fullSlots.add(1);
    state.accept(order('full', ['b']));
    expect(take()).toEqual([['dispatch', ['a']], ['dispatch', ['b']]]);
    succeed('a');
    succeed('b');
    expect(take()).toEqual([['reportsQueued'], ['pumpSoon'], ['pumpSoon']]);
    state.pump();
    expect(take()).toEqual([['dispatch', ['both', 'gpu', 'full']]]);
    expect(threads.sent.get('both')!.deps).toEqual([['a', expect.objectContaining({ nbytes: 8 })], ['b', expect.objectContaining({ nbytes: 8 })]]);
  });

  it('starts no more tasks at once than the offered resources allow', () => {
    const { state, take, succeed } = setup({ GPU: 1 });
    state.accept(order('g1', [], { resources: { GPU: 1 } }));
    state.accept(order('g2', [], { resources: { GPU: 1 } }));
    state.accept(order('a'));
    state.pump();
    expect(take()).toEqual([['dispatch', ['g1']]]);
    succeed('g1');
    take();
    state.pump();
    expect(take()).toEqual([['dispatch', ['g2', 'a']]]);
  });

  it('requeues the tasks of a thread that was replaced, releasing their resources', () => {
    const { state, threads, take } = setup({ GPU: 1 });
    state.accept(order('g', [], { resources: { GPU: 1 } }));
    state.accept(order('a'));
    state.pump();
    expect(take()).toEqual([['dispatch', ['g', 'a']]]);
    const lost = [threads.finish('g'), threads.finish('a')];
    state.threadLost(lost, 'requeue');
    expect(take()).toEqual([['pumpSoon']]);
    state.pump();
    expect(take()).toEqual([['dispatch', ['g', 'a']]]);
    expect(threads.sent.get('g')!.id).toBe(lost[0]!.id);
  });

  it('fails the tasks of a thread that died', () => {
    const { state, threads, take } = setup();
    state.accept(order('a'));
    state.pump();
    take();
    state.threadLost([threads.finish('a')], 'thread exited with code 1');
    const error = { name: 'WorkerThreadError', message: 'the task thread running a died: thread exited with code 1' };
    expect(take()).toEqual([['send', { op: 'task-erred', key: 'a', error, duration: 0, start: NOW, thread: -1 }], ['pumpSoon']]);
    expect(state.size).toBe(0);
  });

  it('sends a chained task again with its input values when its thread lacked them', () => {
    const { state, threads, take, succeed } = setup();
    state.accept(order('a'));
    state.accept(order('b', ['a']));
    state.pump();
    expect(take()).toEqual([['dispatch', ['a']], ['dispatchTo', 0, ['b']]]);
    succeed('a');
    state.threadRequeued(threads.finish('b'));
    expect(take()).toEqual([['reportsQueued'], ['pumpSoon'], ['pumpSoon']]);
    state.pump();
    expect(take()).toEqual([['dispatch', ['b']]]);
    expect(threads.sent.get('b')!.deps).toEqual([['a', expect.objectContaining({ nbytes: 8 })]]);
  });

  it('cancels waiting and ready tasks quietly, and stops dispatched ones on their thread', () => {
    const { state, threads, take } = setup({ GPU: 1 });
    state.accept(order('waits', ['x']));
    state.accept(order('ready', [], { priority: -1 }));
    state.accept(order('g1', [], { resources: { GPU: 1 } }));
    state.accept(order('g2', [], { resources: { GPU: 1 } }));
    threads.room = 1;
    state.pump();
    expect(take()).toEqual([['dispatch', ['g1']]]);
    for (const key of ['waits', 'ready', 'g1']) state.cancel(key);
    expect(take()).toEqual([['cancel', 'g1']]);
    expect(state.size).toBe(1);
    state.storeValue('x', bytes(1));
    threads.room = 5;
    state.pump();
    expect(take()).toEqual([['dispatch', ['g2']]]);
    state.threadFinished(threads.sent.get('g1')!, { id: threads.sent.get('g1')!.id, ok: true, value: bytes(1), nbytes: 1, duration: 1, start: 1, thread: 0 });
    expect(take()).toEqual([]);
  });

  it('reports small results with their value and large ones by size, all of one batch together', () => {
    const { state, take, succeed } = setup();
    for (const key of ['small', 'edge', 'large']) state.accept(order(key));
    state.pump();
    take();
    const small = succeed('small', 10);
    const edge = succeed('edge', INLINE_RESULT_BYTES);
    succeed('large', INLINE_RESULT_BYTES + 1);
    expect(take()).toEqual([['reportsQueued'], ['pumpSoon'], ['pumpSoon'], ['pumpSoon']]);
    const report = { duration: 5, start: 100, thread: 0, transfer: 0 };
    expect(state.takeReports()).toEqual([
      { key: 'small', nbytes: 10, ...report, value: toWire(small) },
      { key: 'edge', nbytes: INLINE_RESULT_BYTES, ...report, value: toWire(edge) },
      { key: 'large', nbytes: INLINE_RESULT_BYTES + 1, ...report },
    ]);
    expect(state.takeReports()).toEqual([]);
    state.accept(order('next'));
    state.pump();
    succeed('next');
    expect(take()).toEqual([['dispatch', ['next']], ['reportsQueued'], ['pumpSoon']]);
  });

  it('passes a task error on to the scheduler', () => {
    const { state, threads, take } = setup();
    state.accept(order('a'));
    state.pump();
    take();
    const task = threads.finish('a');
    const error = { name: 'TypeError', message: 'x is not a function', key: 'a' };
    state.threadFinished(task, { id: task.id, ok: false, error, duration: 3, start: 50, thread: 0 });
    expect(take()).toEqual([['send', { op: 'task-erred', key: 'a', error, duration: 3, start: 50, thread: 0 }], ['pumpSoon']]);
    expect(state.takeReports()).toEqual([]);
  });

  it('fails a task whose function this worker was never sent, and goes on with the next', () => {
    const { state, take } = setup();
    state.accept(order('u', [], { fn: 'unknown', priority: 1 }));
    state.accept(order('a'));
    state.pump();
    const error = { name: 'Error', message: 'function unknown was never sent to this worker', stack: expect.any(String), key: 'u' };
    expect(take()).toEqual([['send', { op: 'task-erred', key: 'u', error, duration: 0, start: NOW, thread: -1 }], ['dispatch', ['a']]]);
  });

  it('drops every task on reset, stopping those on threads', () => {
    const { state, take } = setup({ GPU: 1 });
    state.accept(order('g', [], { resources: { GPU: 1 } }));
    state.accept(order('w', ['x']));
    state.pump();
    state.reset();
    expect(take()).toEqual([['dispatch', ['g']], ['cancel', 'g']]);
    expect(state.size).toBe(0);
    state.accept(order('g2', [], { resources: { GPU: 1 } }));
    state.pump();
    expect(take()).toEqual([['dispatch', ['g2']]]);
  });

  describe('actors', () => {
    const actorOrder = (key: string, kind: 'create' | 'call', deps: Array<string | DepLocation> = []) =>
      order(key, deps, { actor: { actor: 'A', kind, name: kind === 'create' ? 'Counter' : 'inc' } });

    it('constructs an actor on a thread of its own and sends its calls there in arrival order; a call still fetching holds back the later ones', () => {
      const { state, data, take, succeed } = setup();
      state.accept(actorOrder('A', 'create'));
      expect(take()).toEqual([['openActorThread', 'A', 100], ['dispatchTo', 100, ['A']]]);
      succeed('A');
      take();
      expect(data.has('A')).toBe(true);
      state.accept(actorOrder('c1', 'call', ['A', { key: 'far', holders: ['tcp://h:1'], local: false }]));
      state.accept(actorOrder('c2', 'call', ['A']));
      state.pump();
      // c2 is ready but waits behind c1, which waits for its input.
      expect(take()).toEqual([['fetch', 'c1', { 'tcp://h:1': ['far'] }, []]]);
      state.inputFetched('far', toWire(bytes(1)));
      expect(take()).toEqual([['dispatchTo', 100, ['c1', 'c2']]]);
    });

    it('keeps calls in the line while the actor thread has no room, and sends them when one of its calls ends', () => {
      const { state, threads, take, succeed } = setup();
      state.accept(actorOrder('A', 'create'));
      succeed('A');
      state.accept(actorOrder('c1', 'call', ['A']));
      take();
      threads.fullSlots.add(100);
      state.accept(actorOrder('c2', 'call', ['A']));
      state.accept(actorOrder('c3', 'call', ['A']));
      // Not failed as lost: they wait.
      expect(take()).toEqual([]);
      threads.fullSlots.delete(100);
      succeed('c1');
      expect(take().filter((entry) => entry[0] === 'dispatchTo')).toEqual([['dispatchTo', 100, ['c2', 'c3']]]);
    });

    it('fails the calls of an actor whose thread ended with ActorLostError, and tells the scheduler', () => {
      const { state, threads, take, succeed } = setup();
      state.accept(actorOrder('A', 'create'));
      succeed('A');
      state.accept(actorOrder('c1', 'call', ['A']));
      take();
      state.actorThreadEnded('A', [threads.sent.get('c1')!], 'thread crashed');
      const sent = take().filter((entry) => entry[0] === 'send').map((entry) => entry[1] as { op: string; key: string; error?: { code?: string } });
      expect(sent.map((m) => [m.op, m.key, m.error?.code])).toEqual([['actor-lost', 'A', undefined], ['task-erred', 'c1', 'ACTOR_LOST']]);
      state.accept(actorOrder('c2', 'call', ['A']));
      const late = take().find((entry) => entry[0] === 'send')![1] as { op: string; error: { message: string } };
      expect(late.op).toBe('task-erred');
      expect(late.error.message).toContain('its thread ended (thread crashed)');
    });

    it('runs direct calls in the line and answers their peer; a routed call that must follow a direct one goes to the thread in arrival order (the thread parks it, see test/actors/actor-order.test.ts)', () => {
      const { state, take, succeed } = setup();
      const direct = (key: string, seq: number) => order(key, ['A'], { actor: { actor: 'A', kind: 'call', name: 'inc', handle: 'h', direct: { worker: 'w', seq } } });
      // An actor not living here: answered at once as not run (the scheduler sends the call where it is).
      expect(state.acceptDirect(direct('early', 1), { peer: 'p', id: 1 })?.fields?.notRun).toBe(true);
      state.accept(actorOrder('A', 'create'));
      succeed('A');
      take();
      // The scheduler's call r2 must follow the handle's direct call 2, which has not arrived: the
      // actor's thread parks it (only the thread sees the calls sent to the actor's own endpoint).
      state.accept(order('r2', ['A'], { actor: { actor: 'A', kind: 'call', name: 'inc', handle: 'h', after: 2 } }));
      state.accept(actorOrder('r3', 'call', ['A']));
      expect(state.acceptDirect(direct('d1', 1), { peer: 'p', id: 1 })).toBeUndefined();
      expect(take()).toEqual([['dispatchTo', 100, ['r2']], ['dispatchTo', 100, ['r3']], ['dispatchTo', 100, ['d1']]]);
      expect(state.acceptDirect(direct('d2', 2), { peer: 'p', id: 2 })).toBeUndefined();
      expect(take()).toEqual([['dispatchTo', 100, ['d2']]]);
      succeed('d1');
      expect(take()).toEqual([['answerDirect', 'p', 1, 'd1', 'report'], ['pumpSoon']]);
      // A key taken already is refused; a direct call the scheduler takes back is answered as not run.
      expect(state.acceptDirect(direct('d2', 3), { peer: 'p', id: 3 })?.code).toBe('PROTOCOL');
      state.cancel('d2');
      expect(take()).toEqual([['answerDirect', 'p', 2, 'd2', 'notRun'], ['cancel', 'd2']]);
    });

    it('ends the actor thread when the scheduler frees the actor', () => {
      const { state, take, succeed } = setup();
      state.accept(actorOrder('A', 'create'));
      succeed('A');
      take();
      state.freed('A');
      expect(take()).toEqual([['closeActorThread', 100]]);
    });
  });
});
