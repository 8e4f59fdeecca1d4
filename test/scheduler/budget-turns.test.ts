/** Work a run leaves for a later turn when its step budget runs out, as pure scheduler state. */
import { describe, expect, it } from 'vitest';
import type { TaskSpec, WorkerRegistration } from '../../src/protocol/messages.js';
import { SchedulerState } from '../../src/scheduler/state/scheduler-state.js';

const ARGS = { body: new Uint8Array([0x90]), frames: [] };
const task = (key: string, deps: string[] = []): TaskSpec => ({ key, fn: 'f', args: ARGS, deps, priority: 0, retries: 0, group: key });
const registration = (name: string): WorkerRegistration => ({
  name, host: 'h', address: `tcp://127.0.0.1:1${name.length}00`, nthreads: 1, memoryLimit: 0, resources: {}, pid: 1, localDirectory: '/tmp',
});
const report = (key: string) => ({ key, nbytes: 1, duration: 5, start: 0, thread: 0, transfer: 0 });

describe('a run whose budget ran out', () => {
  it('assigns on a later turn the task its last recommendations queued, without another stimulus', () => {
    // Seen in CI under load: a task whose inputs had finished stayed queued for 45 s with both workers idle,
    // because the run ended (out of time) right after queueing it and only a new stimulus would assign it.
    for (let steps = 1; steps <= 6; steps++) {
      const state = new SchedulerState({ validate: true, stepsPerTurn: steps });
      const client = state.addClient('c', 'client', 0);
      const worker = state.addWorker('w0', registration('w0'), 0);
      state.submit(client, [task('a'), task('b', ['a'])]);
      for (let turn = 0; turn < 20 && state.tasks.get('a')!.state !== 'processing'; turn++) {
        state.newTurn();
        state.continueWork();
      }
      expect(state.tasks.get('a')!.state).toBe('processing');
      state.newTurn();
      state.taskFinished(worker, [report('a')]);
      for (let turn = 0; turn < 20 && state.hasPendingWork; turn++) {
        state.newTurn();
        state.continueWork();
      }
      expect({ steps, b: state.tasks.get('b')!.state }).toEqual({ steps, b: 'processing' });
    }
  });
});
