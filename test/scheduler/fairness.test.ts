/**
 * Clients at equal priority take turns (scheduler state only, no cluster): the order checked is the
 * order in which the scheduler assigns tasks, read from its compute orders, never wall-clock times.
 * One worker of one thread, with a group never seen finish, holds two tasks at a time, so every report
 * of a finished task frees one place and the next compute order is the queue's next task.
 */
import { describe, expect, it } from 'vitest';
import type { TaskSpec, WorkerRegistration } from '../../src/protocol/messages.js';
import { SchedulerState } from '../../src/scheduler/state/scheduler-state.js';

function spec(key: string, priority = 0): TaskSpec {
  return { key, fn: 'f', args: { body: new Uint8Array([0x90]), frames: [] }, deps: [], priority, retries: 0, group: 'g' };
}
const registration: WorkerRegistration = { name: 'w', host: 'h', address: 'tcp://127.0.0.1:1', nthreads: 1, memoryLimit: 0, resources: {}, pid: 1, localDirectory: '/tmp' };

/** Keys in the order the scheduler sent them to the worker, draining everything one report at a time. */
function assignmentOrder(state: SchedulerState, peer: string, limit: number): string[] {
  const order: string[] = [];
  const take = () => {
    for (const out of state.takeOutgoing()) {
      const message = out.message as { op: string; tasks?: Array<{ key: string }> };
      if (out.peer === peer && message.op === 'compute') order.push(...message.tasks!.map((t) => t.key));
    }
  };
  take();
  const worker = state.workers.get(peer)!;
  for (let done = 0; done < order.length && done < limit; done++) {
    // A long task: the capacity stays at two, so each report frees one place.
    state.taskFinished(worker, [{ key: order[done]!, nbytes: 8, duration: 1_000_000, start: 0, thread: 0, transfer: 0 }]);
    take();
  }
  return order;
}

const clientOf = (key: string) => key.split('-')[0]!;

describe('fairness between clients', () => {
  it('serves 8 clients submitting at equal priority in turns, each client\'s own tasks in submission order', () => {
    const state = new SchedulerState({ validate: true, transitionLimit: 1_000_000 });
    state.addWorker('w', registration, 0);
    const clients = Array.from({ length: 8 }, (_, c) => state.addClient(`c${c}`, `c${c}`, 0));
    const perClient = 40;
    // Submitted one after the other, the first client's whole graph before the second's, as FIFO would serve them.
    clients.forEach((client, c) => state.submit(client, Array.from({ length: perClient }, (_, i) => spec(`c${c}-${i}`))));
    const order = assignmentOrder(state, 'w', 10_000);
    expect(order).toHaveLength(8 * perClient);
    // The first client's submit filled the worker (two places) before the others arrived; from then on
    // the clients take turns: every run of 8 assignments holds each client once.
    expect(order.slice(0, 2).map(clientOf)).toEqual(['c0', 'c0']);
    const rest = order.slice(2);
    const rounds = Math.floor((rest.length - (perClient - 2)) / 8);
    for (let r = 0; r < rounds; r++) {
      expect(new Set(rest.slice(r * 8, r * 8 + 8).map(clientOf)).size, `round ${r}: ${rest.slice(r * 8, r * 8 + 8).join(' ')}`).toBe(8);
    }
    // Each client's first task is assigned within one batch (the worker's two places plus one turn each).
    for (let c = 0; c < 8; c++) expect(order.findIndex((key) => clientOf(key) === `c${c}`)).toBeLessThan(2 + 8);
    // Within a client, first submitted first.
    for (let c = 0; c < 8; c++) {
      const own = order.filter((key) => clientOf(key) === `c${c}`).map((key) => Number(key.split('-')[1]));
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }
  });

  it('lets a higher priority go before every turn, and a client that joins late waits one round of the others at most', () => {
    const state = new SchedulerState({ validate: true, transitionLimit: 1_000_000 });
    state.addWorker('w', registration, 0);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => state.addClient(id, id, 0)) as [ReturnType<SchedulerState['addClient']>, ReturnType<SchedulerState['addClient']>, ReturnType<SchedulerState['addClient']>];
    state.submit(a, Array.from({ length: 20 }, (_, i) => spec(`a-${i}`)));
    state.submit(b, Array.from({ length: 20 }, (_, i) => spec(`b-${i}`)));
    state.submit(b, [spec('b-urgent', 5)]);
    const order: string[] = [];
    const worker = state.workers.get('w')!;
    const take = () => {
      for (const out of state.takeOutgoing()) {
        const message = out.message as { op: string; tasks?: Array<{ key: string }> };
        if (message.op === 'compute') order.push(...message.tasks!.map((t) => t.key));
      }
    };
    take();
    // The worker holds a-0 and a-1; the urgent task is next, then a and b alternate.
    for (let done = 0; done < 6; done++) {
      state.taskFinished(worker, [{ key: order[done]!, nbytes: 8, duration: 1_000_000, start: 0, thread: 0, transfer: 0 }]);
      take();
    }
    state.submit(c, [spec('c-0'), spec('c-1')]);
    for (let done = 6; done < 11; done++) {
      state.taskFinished(worker, [{ key: order[done]!, nbytes: 8, duration: 1_000_000, start: 0, thread: 0, transfer: 0 }]);
      take();
    }
    expect(order.slice(0, 3)).toEqual(['a-0', 'a-1', 'b-urgent']);
    expect(order.slice(3, 8).map(clientOf)).toEqual(['a', 'b', 'a', 'b', 'a']);
    // c joins the back of the turns: one turn of each client already there, then c's first task.
    expect(order.slice(8, 13).map(clientOf)).toEqual(['b', 'a', 'c', 'b', 'a']);
  });
});
