/**
 * Early assignment respects capacity (scheduler state only, no cluster): the dependents of a running root
 * are sent ahead to the root's worker only up to that worker's bound, the rest go to whichever worker has
 * room once the root is done, and a task follows its input only while that is cheaper than fetching it.
 * Timing plays no part: the workers are played by draining their compute orders in turns.
 */
import { describe, expect, it } from 'vitest';
import type { TaskSpec, WorkerRegistration } from '../../src/protocol/messages.js';
import { heldBy, workerCapacity } from '../../src/scheduler/state/assignment.js';
import { SchedulerState } from '../../src/scheduler/state/scheduler-state.js';
import type { WorkerRecord } from '../../src/scheduler/state/types.js';

function spec(key: string, deps: string[] = [], group = 'f'): TaskSpec {
  return { key, fn: 'f', args: { body: new Uint8Array([0x90]), frames: [] }, deps, priority: 0, retries: 0, group };
}
function registration(name: string, nthreads = 1): WorkerRegistration {
  return { name, host: 'h', address: `tcp://127.0.0.1:${name.length}00`, nthreads, memoryLimit: 0, resources: {}, pid: 1, localDirectory: '/tmp' };
}
function setup(workers: number, nthreads = 1) {
  const state = new SchedulerState({ validate: false, transitionLimit: 10_000_000 });
  const client = state.addClient('c', 'client', 0);
  const ws = Array.from({ length: workers }, (_, i) => state.addWorker(`w${i}`, registration(`w${i}`, nthreads), 0));
  return { state, client, ws };
}
const finished = (key: string, nbytes: number, micros: number) => ({ key, nbytes, duration: micros, start: 0, thread: 0, transfer: 0 });

/** The compute orders sent since the last call, appended to each worker's own queue. */
function collectOrders(state: SchedulerState, queues: Map<string, string[]>): void {
  for (const out of state.takeOutgoing()) {
    const message = out.message as { op: string; tasks?: Array<{ key: string }> };
    if (message.op === 'compute') queues.get(out.peer)!.push(...message.tasks!.map((t) => t.key));
  }
}

/**
 * Plays the workers: in turns, each reports `batch` of the tasks it was sent as finished (each took
 * `micros`), until none is left. After every report it checks that no worker holds more than its bound.
 * Returns how many tasks each worker ran.
 */
function drain(state: SchedulerState, ws: WorkerRecord[], queues: Map<string, string[]>, group: string, micros: number, batch: number): number[] {
  const ran = ws.map(() => 0);
  const checkBound = () => {
    for (const w of ws) expect(heldBy(w), `${w.id} holds more than its bound`).toBeLessThanOrEqual(workerCapacity(w, group, state.stats));
  };
  checkBound();
  for (let turn = 0; turn < 1_000_000; turn++) {
    let any = false;
    ws.forEach((w, i) => {
      const keys = queues.get(w.peer)!.splice(0, batch);
      if (keys.length === 0) return;
      any = true;
      state.taskFinished(w, keys.map((key) => finished(key, 8, micros)));
      ran[i]! += keys.length;
      collectOrders(state, queues);
      checkBound();
    });
    if (!any) break;
  }
  return ran;
}

describe('capacity-aware early assignment', () => {
  it('sends the dependents of a running root ahead only up to the root worker\'s bound', () => {
    const { state, client, ws } = setup(2);
    state.submit(client, [spec('root', [], 'root'), ...Array.from({ length: 10_000 }, (_, i) => spec(`d${i}`, ['root'], 'dep'))]);
    const rootWorker = state.tasks.get('root')!.processingOn!;
    // A group never seen finish: two per thread, the root included.
    expect(rootWorker.processing.size).toBe(workerCapacity(rootWorker, 'dep', state.stats));
    expect(rootWorker.processing.size).toBe(2);
    expect(ws.find((w) => w !== rootWorker)!.processing.size).toBe(0);
    expect(state.countsByState()).toEqual({ processing: 2, waiting: 9_999 });
  });

  it('drains 10k dependents of a root on both workers, a fair share each, never over the bound', () => {
    const { state, client, ws } = setup(2);
    const queues = new Map(ws.map((w) => [w.peer, [] as string[]]));
    const n = 10_000;
    state.submit(client, [spec('root', [], 'root'), ...Array.from({ length: n }, (_, i) => spec(`d${i}`, ['root'], 'dep'))]);
    collectOrders(state, queues);
    const ran = drain(state, ws, queues, 'dep', 1_000, 4);
    expect(ran.reduce((a, b) => a + b)).toBe(n + 1);
    for (const count of ran) expect(count).toBeGreaterThan(0.45 * n);
    expect(state.countsByState()).toEqual({ memory: n + 1 });
  });

  it('bounds each worker by its threads: 4 threads hold twice what 2 threads hold', () => {
    const { state, client, ws } = setup(2, 4);
    const queues = new Map(ws.map((w) => [w.peer, [] as string[]]));
    state.submit(client, [spec('root', [], 'root'), ...Array.from({ length: 2_000 }, (_, i) => spec(`d${i}`, ['root'], 'dep'))]);
    collectOrders(state, queues);
    expect(state.tasks.get('root')!.processingOn!.processing.size).toBe(8);
    const ran = drain(state, ws, queues, 'dep', 1_000, 4);
    for (const count of ran) expect(count).toBeGreaterThan(0.4 * 2_000);
  });

  it('counts locality as a cost: a task follows a large input to a busier worker, and fetches a small one', () => {
    const { state, client, ws } = setup(2);
    const [w0, w1] = ws as [WorkerRecord, WorkerRecord];
    // Tasks of group f are known to take 1 ms.
    state.submit(client, [spec('warm')]);
    state.taskFinished(state.tasks.get('warm')!.processingOn!, [finished('warm', 8, 1_000)]);
    // On w0 only: an input of 1 GB (10 s to fetch at 100 MB/s) and one of 8 bytes; and 5 ms of work queued.
    state.addData(client, ['big', 'small'], [1e9, 8], [w0]);
    state.submit(client, Array.from({ length: 5 }, (_, i) => ({ ...spec(`busy${i}`), restrictions: { workers: [w0.id] } })));
    expect(heldBy(w0)).toBe(5);
    state.submit(client, [spec('onBig', ['big']), spec('onSmall', ['small'])]);
    expect(state.tasks.get('onBig')!.processingOn).toBe(w0);
    expect(state.tasks.get('onSmall')!.processingOn).toBe(w1);
  });
});
