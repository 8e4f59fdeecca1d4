/**
 * Tasks by state, overall and per group, are kept as tasks move (no scan of the graph): what
 * `countsByState` and `progressByGroup` say must be what a scan finds, through a whole life cycle.
 */
import { describe, expect, it } from 'vitest';
import type { TaskSpec, WorkerRegistration } from '../../src/protocol/messages.js';
import { SchedulerState } from '../../src/scheduler/state/scheduler-state.js';

function spec(key: string, group: string, deps: string[] = []): TaskSpec {
  return { key, fn: 'f', args: { body: new Uint8Array([0x90]), frames: [] }, deps, priority: 0, retries: 0, group };
}
const registration: WorkerRegistration = { name: 'w', host: 'h', address: 'tcp://127.0.0.1:1', nthreads: 1, memoryLimit: 0, resources: {}, pid: 1, localDirectory: '/tmp' };

/** What a scan of the graph finds, per group. */
function scanByGroup(state: SchedulerState): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const task of state.tasks.values()) {
    const states = (out[task.group] ??= {});
    states[task.state] = (states[task.state] ?? 0) + 1;
  }
  return out;
}

describe('tasks counted by state', () => {
  it('match a scan of the graph per state and per group as tasks are submitted, run, cancelled, released and forgotten', () => {
    const state = new SchedulerState({ validate: true });
    const client = state.addClient('c', 'client', 0);
    const worker = state.addWorker('w', registration, 0);
    const check = (): void => {
      const progress = state.progressByGroup();
      const scanned = scanByGroup(state);
      for (const [group, states] of Object.entries(scanned)) expect(progress[group]!.states).toEqual(states);
      for (const [group, entry] of Object.entries(progress)) if (!scanned[group]) expect(entry.states).toEqual({});
      const all: Record<string, number> = {};
      for (const task of state.tasks.values()) all[task.state] = (all[task.state] ?? 0) + 1;
      expect(state.countsByState()).toEqual(all);
    };
    state.submit(client, [spec('root', 'load'), ...Array.from({ length: 20 }, (_, i) => spec(`d${i}`, 'inc', ['root']))]);
    check();
    expect(state.countsByState().waiting! + state.countsByState().processing!).toBe(21);
    state.taskFinished(worker, [{ key: 'root', nbytes: 8, duration: 1, start: 0, thread: 0, transfer: 0 }]);
    check();
    expect(state.progressByGroup().load).toEqual({ states: { memory: 1 }, finished: 1, erred: 0 });
    state.cancel(client, ['d0', 'd1', 'd2']);
    check();
    expect(state.countsByState().cancelled).toBe(3);
    state.release(client, [...state.tasks.keys()]);
    check();
    expect(state.countsByState()).toEqual({});
    expect(state.progressByGroup()).toEqual({ load: { states: {}, finished: 1, erred: 0 } });
  });
});
