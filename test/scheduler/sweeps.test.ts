/**
 * The stimuli that reach over many tasks at once run in slices when the state slices (as the server's
 * does): a worker leaving with many results, a restart cancelling every task, a client leaving with many
 * wants. The turns are driven here by hand; each must end with the same graph as running it at once.
 */
import { describe, expect, it } from 'vitest';
import type { WorkerRegistration } from '../../src/protocol/messages.js';
import { SchedulerState } from '../../src/scheduler/state/scheduler-state.js';

const N = 20_000;
const registration = (name: string): WorkerRegistration => ({ name, host: 'h', address: `tcp://127.0.0.1:${name.length}1`, nthreads: 1, memoryLimit: 0, resources: {}, pid: 1, localDirectory: '/tmp' });

/** A sliced state with a client holding N scattered results on one worker. */
function setup() {
  const state = new SchedulerState({ stepsPerTurn: 2_000 });
  const client = state.addClient('c', 'client', 0);
  const worker = state.addWorker('w0', registration('w0'), 0);
  const keys = Array.from({ length: N }, (_, i) => `x-${i}`);
  state.addData(client, keys, keys.map(() => 8), [worker]);
  drive(state);
  state.takeOutgoing();
  return { state, client, worker, keys };
}

/** Runs turns until no work is left (at most 10,000 turns); returns how many it took. */
function drive(state: SchedulerState): number {
  let turns = 0;
  while (state.hasPendingWork && turns < 10_000) {
    state.newTurn();
    state.continueWork();
    turns++;
  }
  expect(state.hasPendingWork).toBe(false);
  return turns;
}

/** Keys told to the client in messages of `op`. */
function told(state: SchedulerState, op: string): string[] {
  return state.takeOutgoing().filter((o) => o.peer === 'c' && o.message.op === op).flatMap((o) => {
    const m = o.message as { key?: string; keys?: string[] };
    return m.keys ?? [m.key!];
  });
}

describe('stimuli over many tasks, in slices', () => {
  it('a worker leaving with 20k results lets go of them over several turns, and every one is lost', () => {
    const { state, worker } = setup();
    state.removeWorker(worker.peer, 'test');
    expect(drive(state)).toBeGreaterThan(1);
    expect(state.countsByState()).toEqual({ lost: N });
    expect(told(state, 'task-lost')).toHaveLength(N);
    expect(worker.hasWhat.size).toBe(0);
    state.validate();
  });

  it('a restart cancels every task over several turns, telling the client of each, while the clients wait', () => {
    const { state, client } = setup();
    const other = state.addClient('o', 'other', 0);
    state.cancelEverything('restart');
    state.dropHolder(client);
    // Every client's next message waits until the restart has gone over every task.
    expect(state.busyWith(other)).toBe(true);
    expect(drive(state)).toBeGreaterThan(1);
    expect(state.busyWith(other)).toBe(false);
    expect(new Set(told(state, 'task-cancelled'))).toHaveProperty('size', N);
    expect(state.tasks.size).toBe(0);
    expect(client.wants.size).toBe(0);
  });

  it('a client leaving with 20k wants releases them over several turns', () => {
    const { state, client } = setup();
    state.removeClient(client.peer);
    expect(drive(state)).toBeGreaterThan(1);
    expect(state.tasks.size).toBe(0);
    expect(client.wants.size).toBe(0);
    state.validate();
  });
});
