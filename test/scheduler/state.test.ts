import { describe, expect, it } from 'vitest';
import type { TaskFinishedReport, TaskSpec, WorkerRegistration } from '../../src/protocol/messages.js';
import { SchedulerState } from '../../src/scheduler/state/scheduler-state.js';

const NOW = 0;
function spec(key: string, deps: string[] = [], extra: Partial<TaskSpec> = {}): TaskSpec {
  return { key, fn: 'f', args: { body: new Uint8Array([0x90]), frames: [] }, deps, priority: 0, retries: 0, group: 'f', ...extra };
}
function registration(name: string, extra: Partial<WorkerRegistration> = {}): WorkerRegistration {
  return { name, host: 'h', address: `tcp://127.0.0.1:${name.length}00`, nthreads: 1, memoryLimit: 0, resources: {}, pid: 1, localDirectory: '/tmp', ...extra };
}
/** A worker's report of a finished task: started at NOW on thread 0, with all its inputs local. */
function report(key: string, nbytes: number, duration: number, extra: Partial<TaskFinishedReport> = {}): TaskFinishedReport {
  return { key, nbytes, duration, start: NOW, thread: 0, transfer: 0, ...extra };
}
function setup(workers = 1, allowedFailures = 3) {
  const state = new SchedulerState({ validate: true, transitionLimit: 100_000, allowedFailures });
  const client = state.addClient('c', 'client', NOW);
  const ws = Array.from({ length: workers }, (_, i) => state.addWorker(`w${i}`, registration(`w${i}`), NOW));
  return { state, client, ws };
}
const computeKeys = (state: SchedulerState, peer: string) =>
  state.takeOutgoing().filter((o) => o.peer === peer && (o.message as { op: string }).op === 'compute')
    .flatMap((o) => (o.message as { tasks: Array<{ key: string }> }).tasks.map((t) => t.key));

describe('scheduler state machine', () => {
  it('runs a task through waiting, processing and memory, and tells the client with the inline value', () => {
    const { state, client, ws } = setup();
    state.submit(client, [spec('a')]);
    expect(state.tasks.get('a')!.state).toBe('processing');
    expect(computeKeys(state, 'w0')).toEqual(['a']);
    const value = { body: new Uint8Array([1]), frames: [] };
    state.taskFinished(ws[0]!, [report('a', 1, 5, { value })]);
    expect(state.tasks.get('a')!.state).toBe('memory');
    const told = state.takeOutgoing().find((o) => o.peer === 'c')!.message as { op: string; items: Array<{ key: string; value: unknown }> };
    expect(told).toEqual({ op: 'task-finished', items: [{ key: 'a', nbytes: 1, value }] });
    state.release(client, ['a']);
    expect(state.tasks.has('a')).toBe(false);
    expect(state.takeOutgoing().map((o) => o.message)).toEqual([{ op: 'free-keys', keys: ['a'] }]);
  });

  it('assigns a dependent at once to the worker computing its inputs (no scheduler round trip on a chain)', () => {
    const { state, client, ws } = setup(2);
    // Tasks of group f are known to be short, so a worker may hold many of them.
    state.submit(client, [spec('warm')]);
    state.taskFinished(state.tasks.get('warm')!.processingOn!, [report('warm', 1, 5)]);
    state.takeOutgoing();
    state.submit(client, [spec('a'), spec('b', ['a']), spec('c', ['a', 'b'])]);
    expect(['a', 'b', 'c'].every((k) => state.tasks.get(k)!.state === 'processing')).toBe(true);
    const worker = state.tasks.get('a')!.processingOn!;
    expect(state.tasks.get('b')!.processingOn).toBe(worker);
    expect(state.tasks.get('c')!.processingOn).toBe(worker);
    expect(computeKeys(state, worker.peer)).toEqual(['a', 'b', 'c']);
    expect(ws).toContain(worker);
  });

  it('sends a chain ahead only as deep as the worker\'s capacity, and the next link as each one finishes', () => {
    const { state, client, ws } = setup(1);
    const w = ws[0]!;
    // A group never seen finish: a worker of one thread holds two of its tasks at most.
    const chain = ['l0', 'l1', 'l2', 'l3'];
    state.submit(client, chain.map((key, i) => spec(key, i === 0 ? [] : [chain[i - 1]!], { group: 'g' })));
    expect(computeKeys(state, w.peer)).toEqual(['l0', 'l1']);
    expect(state.tasks.get('l2')!.state).toBe('waiting');
    state.taskFinished(w, [report('l0', 8, 200_000)]);
    expect(computeKeys(state, w.peer)).toEqual(['l2']);
    state.taskFinished(w, [report('l1', 8, 200_000)]);
    expect(computeKeys(state, w.peer)).toEqual(['l3']);
    for (const key of ['l2', 'l3']) state.taskFinished(w, [report(key, 8, 200_000)]);
    expect(state.tasks.get('l3')!.state).toBe('memory');
  });

  it('recomputes results held only by a worker that died, and reschedules its running tasks', () => {
    const { state, client, ws } = setup(2);
    state.submit(client, [spec('a')]);
    const holder = state.tasks.get('a')!.processingOn!;
    state.taskFinished(holder, [report('a', 8, 1)]);
    state.submit(client, [spec('b', ['a'])]);
    state.takeOutgoing();
    state.removeWorker(holder.peer, 'killed');
    const other = ws.find((w) => w !== holder)!;
    expect(state.tasks.get('a')!.state).toBe('processing');
    expect(state.tasks.get('a')!.processingOn).toBe(other);
    state.taskFinished(other, [report('a', 8, 1)]);
    expect(state.tasks.get('b')!.processingOn).toBe(other);
    state.taskFinished(other, [report('b', 8, 1)]);
    expect(state.tasks.get('b')!.state).toBe('memory');
  });

  it('moves a dependent sent ahead to a worker when its input leaves that worker unfinished', () => {
    // b was sent to w ahead of time, to run behind its input a there. When a leaves w without being
    // computed (here: the only holder of a's input died) and runs elsewhere, nobody would give a to
    // w: b must leave w too and follow a.
    const { state, client, ws } = setup(3);
    state.submit(client, [spec('x')]);
    const holder = state.tasks.get('x')!.processingOn!;
    state.taskFinished(holder, [report('x', 8, 1)]);
    // Two tasks that fill the holder, so that a runs on another worker and fetches x.
    state.submit(client, [0, 1].map((i) => spec(`busy${i}`, [], { restrictions: { workers: [holder.id] } })));
    // (a and b are of a group not seen yet, so a worker takes two of them at most.)
    state.submit(client, [spec('a', ['x'], { group: 'g' }), spec('b', ['a'], { group: 'g' })]);
    const w = state.tasks.get('a')!.processingOn!;
    const spare = ws.find((v) => v !== holder && v !== w)!;
    expect(w).not.toBe(holder);
    expect(state.tasks.get('b')!.processingOn).toBe(w);
    expect(computeKeys(state, w.peer)).toEqual(['a', 'b']);
    state.removeWorker(holder.peer, 'killed');
    expect(state.tasks.get('x')!.processingOn).toBe(spare);
    expect(state.tasks.get('a')!.processingOn).toBe(spare);
    // The spare worker holds x and a: b waits for room there (see the capacity bound), not on w.
    expect(state.tasks.get('b')!.state).toBe('waiting');
    const out = state.takeOutgoing();
    const toW = out.filter((o) => o.peer === w.peer).map((o) => o.message);
    expect(toW).toEqual([{ op: 'peer-gone', address: holder.info.address, reason: 'killed' }, { op: 'cancel-compute', keys: ['a', 'b'] }]);
    const toSpare = out.filter((o) => o.peer === spare.peer && o.message.op === 'compute');
    expect(toSpare.flatMap((o) => (o.message as { tasks: Array<{ key: string }> }).tasks.map((t) => t.key))).toEqual(['x', 'a']);
    state.taskFinished(spare, [report('x', 8, 1)]);
    expect(state.tasks.get('b')!.processingOn).toBe(spare);
    expect(computeKeys(state, spare.peer)).toEqual(['b']);
    for (const key of ['a', 'b']) state.taskFinished(spare, [report(key, 8, 1)]);
    expect(state.tasks.get('b')!.state).toBe('memory');
  });

  it('fails a task with KilledWorkerError after allowedFailures deaths while it executed', () => {
    const { state, client } = setup(0, 2);
    state.submit(client, [spec('boom')]);
    for (let i = 0; i < 2; i++) {
      const w = state.addWorker(`x${i}`, registration(`x${i}`), NOW);
      expect(state.tasks.get('boom')!.processingOn).toBe(w);
      state.started(w, ['boom']);
      state.removeWorker(w.peer, 'exit code 137');
    }
    const task = state.tasks.get('boom')!;
    expect(task.state).toBe('erred');
    expect(task.error).toMatchObject({ name: 'KilledWorkerError', code: 'KILLED_WORKER', fields: { key: 'boom', workers: ['x0', 'x1'] } });
    expect(task.error!.message).toContain('exit code 137');
  });

  it('does not count a death against tasks that were only queued behind the running one', () => {
    const { state, client } = setup(0, 1);
    state.submit(client, [spec('running'), spec('queued')]);
    const w = state.addWorker('q', registration('q'), NOW);
    expect(state.tasks.get('queued')!.processingOn).toBe(w);
    state.started(w, ['running']);
    state.removeWorker(w.peer, 'killed');
    expect(state.tasks.get('running')!.state).toBe('erred');
    expect(state.tasks.get('queued')!.state).not.toBe('erred');
  });

  it('blames every task a worker had when it died before reporting any as running', () => {
    // Short tasks of known functions are reported only after a few milliseconds (worker/start-notices.ts).
    const { state, client } = setup(0, 1);
    state.submit(client, [spec('a'), spec('b')]);
    const w = state.addWorker('q', registration('q'), NOW);
    state.removeWorker(w.peer, 'killed');
    expect(state.tasks.get('a')!.state).toBe('erred');
    expect(state.tasks.get('b')!.state).toBe('erred');
  });

  it('blames no task when a worker leaves gracefully', () => {
    const { state, client } = setup(0, 1);
    state.submit(client, [spec('a')]);
    const w = state.addWorker('q', registration('q'), NOW);
    state.started(w, ['a']);
    state.removeWorker(w.peer, 'retired', true);
    expect(state.tasks.get('a')!.state).not.toBe('erred');
  });

  it('cancels dependents transitively and retries failures', () => {
    const { state, client, ws } = setup();
    state.submit(client, [spec('a'), spec('b', ['a']), spec('c', ['b'])]);
    state.cancel(client, ['a']);
    expect(['a', 'b', 'c'].map((k) => state.tasks.get(k)?.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    state.submit(client, [spec('r', [], { retries: 1 })]);
    state.taskErred(ws[0]!, 'r', { name: 'Error', message: 'first' }, 1);
    expect(state.tasks.get('r')!.state).toBe('processing');
    state.taskErred(ws[0]!, 'r', { name: 'Error', message: 'second' }, 1);
    expect(state.tasks.get('r')!.state).toBe('erred');
    expect(state.tasks.get('r')!.error!.message).toBe('second');
  });

  it('respects worker and resource restrictions, waiting for a worker that fits', () => {
    const { state, client } = setup(1);
    state.submit(client, [spec('gpu', [], { restrictions: { resources: { GPU: 1 } } }), spec('pinned', [], { restrictions: { workers: ['w9'] } })]);
    expect(state.tasks.get('gpu')!.state).toBe('queued');
    expect(state.tasks.get('pinned')!.state).toBe('queued');
    const gpuWorker = state.addWorker('g', registration('g', { resources: { GPU: 2 } }), NOW);
    expect(state.tasks.get('gpu')!.processingOn).toBe(gpuWorker);
    state.addWorker('w9', registration('w9'), NOW);
    expect(state.tasks.get('pinned')!.processingOn!.id).toBe('w9');
  });

  it('tells the waiting clients once why no worker may run a task, and again only after the workers change', () => {
    const { state, client } = setup(1);
    const noWorker = () => state.takeOutgoing().filter((o) => o.peer === 'c' && (o.message as { op: string }).op === 'no-worker')
      .map((o) => o.message as { key: string; reason: string });
    state.submit(client, [spec('g1', [], { restrictions: { resources: { gpu: 1 } } }), spec('g2', [], { restrictions: { resources: { gpu: 1 } } })]);
    expect(noWorker()).toEqual([{
      op: 'no-worker', key: 'g1',
      reason: 'task g1 waits: no connected worker may run it, because it needs gpu=1 on one worker, and the most any connected worker offers is ' +
        'no resources (start workers that offer them (LocalCluster resources: { gpu: 1 }, flotilla-worker --resources gpu=1) or ask for less). ' +
        'It will run when a worker that fits joins.',
    }]);
    state.submit(client, [spec('g3', [], { restrictions: { resources: { gpu: 1 } } })]);
    expect(noWorker()).toEqual([]);

    state.addWorker('big', registration('big', { resources: { GPU: 4 } }), NOW);
    expect(noWorker().map((m) => m.reason)).toEqual([
      'task g1 waits: no connected worker may run it, because it needs gpu=1 on one worker, and the most any connected worker offers is ' +
        'GPU=4 (did you mean "GPU" instead of "gpu"? Resource names are case-sensitive). It will run when a worker that fits joins.',
    ]);
    expect(state.tasks.get('g1')!.state).toBe('queued');

    state.submit(client, [spec('pinned', [], { restrictions: { workers: ['w9'] } }), spec('anywhere', [], { restrictions: { workers: ['w9'], allowOtherWorkers: true } })]);
    expect(noWorker().map((m) => m.reason)).toEqual([
      'task pinned waits: no connected worker may run it, because it may run only on "w9", and none of those is connected (connected: "w0", "big"). ' +
        'Name a connected worker, or pass allowOtherWorkers: true to make the list a preference. It will run when a worker that fits joins.',
    ]);
    expect(state.tasks.get('anywhere')!.state).toBe('processing');
  });

  it('says nothing when the worker that fits is only busy, or when no worker is connected yet', () => {
    const { state, client } = setup(0);
    state.submit(client, [spec('gpu', [], { restrictions: { resources: { GPU: 1 } } })]);
    expect(state.takeOutgoing().filter((o) => (o.message as { op: string }).op === 'no-worker')).toEqual([]);
    state.addWorker('g', registration('g', { resources: { GPU: 1 } }), NOW);
    state.addWorker('plain', registration('plain'), NOW);
    state.submit(client, Array.from({ length: 6 }, (_, i) => spec(`more-${i}`, [], { restrictions: { resources: { GPU: 1 } } })));
    expect(state.tasks.get('more-5')!.state).toBe('queued');
    expect(state.takeOutgoing().filter((o) => (o.message as { op: string }).op === 'no-worker')).toEqual([]);
  });

  it('finds the clients of a task through what is built on it when nobody holds the task itself', () => {
    const { state, client } = setup(1);
    state.submit(client, [spec('input', [], { restrictions: { workers: ['elsewhere'] } }), spec('result', ['input'])]);
    state.release(client, ['input']);
    state.takeOutgoing();
    state.addWorker('w1', registration('w1'), NOW);
    const told = state.takeOutgoing().filter((o) => (o.message as { op: string }).op === 'no-worker');
    expect(told.map((o) => [o.peer, (o.message as { key: string }).key])).toEqual([['c', 'input']]);
  });

  it('tops a worker with a deep queue of short tasks up at half its capacity, in one message, not after every report', () => {
    const { state, client, ws } = setup(1);
    state.submit(client, [spec('warm')]);
    state.taskFinished(ws[0]!, [report('warm', 1, 100)]); // 100 µs: 20 ms of backlog is 200 tasks
    state.takeOutgoing();
    state.submit(client, Array.from({ length: 500 }, (_, i) => spec(`t${i}`)));
    const first = computeKeys(state, 'w0');
    expect(first).toHaveLength(200);
    const computeMessages = () => state.takeOutgoing().filter((o) => (o.message as { op: string }).op === 'compute');
    const sentAfter: number[] = [];
    for (let i = 0; i < 100; i++) {
      state.taskFinished(ws[0]!, [report(first[i]!, 1, 100)]);
      sentAfter.push(computeMessages().flatMap((o) => (o.message as { tasks: unknown[] }).tasks).length);
    }
    // 99 reports leave 101 tasks on the worker: nothing is sent; the 100th leaves 100, and one message fills it to 200.
    expect(sentAfter.slice(0, 99).every((n) => n === 0)).toBe(true);
    expect(sentAfter[99]).toBe(100);
    expect(ws[0]!.processing.size).toBe(200);
  });

  it('tells each client only of the keys it wants, when two clients share one and more finish in the same stimulus', () => {
    const { state, client, ws } = setup(1);
    const other = state.addClient('c2', 'other', NOW);
    state.submit(client, [spec('shared'), spec('mine')]);
    state.submit(other, [spec('shared')]);
    state.takeOutgoing();
    state.taskFinished(ws[0]!, [report('shared', 1, 5), report('mine', 1, 5)]);
    const out = state.takeOutgoing();
    const keysFor = (peer: string) => out.filter((o) => o.peer === peer).flatMap((o) => (o.message as { items: Array<{ key: string }> }).items.map((i) => i.key));
    expect(keysFor('c')).toEqual(['shared', 'mine']);
    expect(keysFor('c2')).toEqual(['shared']);
  });

  it('runs higher priority first when workers are full', () => {
    const { state, client, ws } = setup(1);
    state.submit(client, [spec('first'), spec('second'), spec('low', [], { priority: -1 }), spec('high', [], { priority: 5 })]);
    expect(computeKeys(state, 'w0')).toEqual(['high', 'first']);
    state.taskFinished(ws[0]!, [report('high', 1, 1_000_000)]);
    expect(computeKeys(state, 'w0')).toEqual(['second']);
  });

  it('throws InvalidTransitionError with the story for an impossible transition', () => {
    const { state } = setup();
    expect(() => state.validate()).not.toThrow();
    expect(state.story('nothing')).toEqual([]);
  });
});
