import { describe, expect, it } from 'vitest';
import { allDone, FutureState } from '../../src/client/future-state.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FutureState completion', () => {
  it('allDone resolves once every pending state has settled, not before', async () => {
    const states = ['a', 'b', 'c'].map((key) => new FutureState(key));
    states[0]!.settle('finished');
    let resolved = false;
    void allDone(states).then(() => (resolved = true));
    await tick();
    expect(resolved).toBe(false);
    states[1]!.settle('error', { error: new Error('boom') });
    await tick();
    expect(resolved).toBe(false);
    states[2]!.settle('cancelled');
    await tick();
    expect(resolved).toBe(true);
  });

  it('allDone of nothing, or of states all settled, resolves at once; one state listed twice counts once per listing', async () => {
    await expect(allDone([])).resolves.toBeUndefined();
    const done = new FutureState('done');
    done.settle('finished');
    await expect(allDone([done, done])).resolves.toBeUndefined();
    const twice = new FutureState('twice');
    const both = allDone([twice, twice]);
    twice.settle('finished');
    await expect(both).resolves.toBeUndefined();
  });

  it('calls every waiter once, and a state made pending again by a re-submission waits anew', async () => {
    const state = new FutureState('k');
    const calls: string[] = [];
    state.whenDone(() => calls.push('first'));
    state.whenDone(() => calls.push('second'));
    const done = state.done;
    state.settle('lost');
    await done;
    expect(calls).toEqual(['first', 'second']);
    state.settle('finished'); // a lost key computed again: no second notice to the old waiters
    expect(calls).toEqual(['first', 'second']);

    state.reset();
    expect(state.status).toBe('pending');
    let again = false;
    void state.done.then(() => (again = true));
    await tick();
    expect(again).toBe(false);
    state.settle('finished', { value: 42, hasValue: true });
    await tick();
    expect(again).toBe(true);
    expect(state.value).toBe(42);
  });
});
