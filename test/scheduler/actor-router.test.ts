/** The scheduler's actor router as pure state: plain stimuli in, transitions and messages out. */
import { describe, expect, it } from 'vitest';
import type { ActorTaskPart, TaskSpec, WorkerRegistration } from '../../src/protocol/messages.js';
import { SchedulerState } from '../../src/scheduler/state/scheduler-state.js';

const ARGS = { body: new Uint8Array([0x90]), frames: [] };
function spec(key: string, actor: ActorTaskPart, deps: string[] = []): TaskSpec {
  return { key, fn: 'Counter', args: ARGS, deps, priority: 0, retries: 0, group: key, actor };
}
const create = (key: string, extra: Partial<ActorTaskPart> = {}) => spec(key, { actor: key, kind: 'create', name: 'Counter', ...extra });
const call = (key: string, actor: string, deps: string[] = []) => spec(key, { actor, kind: 'call', name: 'inc' }, [actor, ...deps]);
function registration(name: string): WorkerRegistration {
  return { name, host: 'h', address: `tcp://127.0.0.1:${name.length}00`, nthreads: 1, memoryLimit: 0, resources: {}, pid: 1, localDirectory: '/tmp' };
}
function setup(workers = 2) {
  const state = new SchedulerState({ validate: true, transitionLimit: 100_000 });
  const client = state.addClient('c', 'client', 0);
  const ws = Array.from({ length: workers }, (_, i) => state.addWorker(`w${i}`, registration(`w${i}`), 0));
  return { state, client, ws };
}
const report = (key: string) => ({ key, nbytes: 1, duration: 5, start: 0, thread: 0, transfer: 0 });
const computeKeys = (state: SchedulerState) =>
  state.takeOutgoing().filter((o) => (o.message as { op: string }).op === 'compute').flatMap((o) => (o.message as { tasks: Array<{ key: string }> }).tasks.map((t) => t.key));

describe('actor router', () => {
  it('places an actor on a later turn when a run used up its budget before the router had its turn', () => {
    const state = new SchedulerState({ validate: true, stepsPerTurn: 2 });
    const client = state.addClient('c', 'client', 0);
    state.addWorker('w0', registration('w0'), 0);
    state.submit(client, [create('A')]);
    for (let turn = 0; turn < 10 && state.tasks.get('A')!.state !== 'processing'; turn++) {
      expect(state.hasPendingWork).toBe(true);
      state.newTurn();
      state.continueWork();
    }
    expect(state.tasks.get('A')!.state).toBe('processing');
    expect(state.hasPendingWork).toBe(false);
  });

  it('places actors on the workers with the fewest, sends calls once the actor is constructed, in submission order, and never fills task capacity', () => {
    const { state, client } = setup();
    state.submit(client, [create('A'), create('B'), call('a1', 'A'), call('a2', 'A')]);
    const a = state.tasks.get('A')!;
    const b = state.tasks.get('B')!;
    expect(a.processingOn).toBeDefined();
    expect(b.processingOn).not.toBe(a.processingOn);
    expect(computeKeys(state)).toEqual(['A', 'B']);
    const worker = a.processingOn!;
    state.taskFinished(worker, [report('A')]);
    expect(computeKeys(state)).toEqual(['a1', 'a2']);
    expect([...worker.longRunning].sort()).toEqual(['a1', 'a2']);
    // Many calls in flight: an ordinary task restricted to that worker still gets its thread at once.
    state.submit(client, Array.from({ length: 50 }, (_, i) => call(`m${i}`, 'A')));
    expect(state.tasks.get('m49')!.state).toBe('processing');
    state.submit(client, [{ key: 't', fn: 'f', args: ARGS, deps: [], priority: 0, retries: 0, group: 'f', restrictions: { workers: [worker.id] } }]);
    expect(state.tasks.get('t')!.processingOn).toBe(worker);
  });

  it('holds back later calls behind one whose input is not ready', () => {
    const { state, client } = setup(1);
    const [worker] = [...state.workers.values()];
    state.submit(client, [create('A')]);
    state.taskFinished(worker!, [report('A')]);
    state.submit(client, [{ key: 'slow', fn: 'f', args: ARGS, deps: [], priority: 0, retries: 0, group: 'f' }]);
    computeKeys(state);
    state.submit(client, [call('c1', 'A', ['slow']), call('c2', 'A')]);
    expect(state.tasks.get('c2')!.state).toBe('queued');
    expect(computeKeys(state)).toEqual([]);
    state.taskFinished(worker!, [report('slow')]);
    expect(computeKeys(state)).toEqual(['c1', 'c2']);
  });

  it('a call runs even when its future is released; the actor goes once nothing needs it', () => {
    const { state, client } = setup(1);
    const [worker] = [...state.workers.values()];
    state.submit(client, [create('A'), call('c1', 'A')]);
    state.taskFinished(worker!, [report('A')]);
    computeKeys(state);
    state.release(client, ['c1', 'A']);
    expect(state.tasks.get('c1')!.state).toBe('processing');
    expect(state.tasks.get('A')!.state).toBe('memory');
    state.taskFinished(worker!, [report('c1')]);
    expect(state.tasks.has('c1')).toBe(false);
    expect(state.tasks.has('A')).toBe(false);
  });

  it('on worker death: running calls fail with ActorLostError; maxRestarts places the actor again; with no restarts left it errs with its waiting calls', () => {
    const { state, client, ws } = setup(2);
    state.submit(client, [create('A', { maxRestarts: 1 }), call('c1', 'A')]);
    const first = state.tasks.get('A')!.processingOn!;
    state.taskFinished(first, [report('A')]);
    state.takeOutgoing();
    state.removeWorker(first.peer, 'killed');
    const told = state.takeOutgoing().map((o) => o.message as { op: string; key?: string; error?: { code?: string } });
    expect(told.find((m) => m.op === 'task-erred' && m.key === 'c1')?.error?.code).toBe('ACTOR_LOST');
    const a = state.tasks.get('A')!;
    expect(a.state).toBe('processing');
    const second = a.processingOn!;
    expect(second).toBe(ws.find((w) => w !== first));
    state.submit(client, [call('c2', 'A')]);
    state.removeWorker(second.peer, 'killed again');
    expect(state.tasks.get('A')!.state).toBe('erred');
    expect(state.tasks.get('A')!.error?.message).toMatch(/restarted 1 time\(s\), its maxRestarts/);
    expect(state.tasks.get('c2')!.state).toBe('erred');
    expect(state.tasks.get('c2')!.error?.code).toBe('ACTOR_LOST');
  });
});
