import { describe, expect, it } from 'vitest';
import { TransitionStory } from '../../src/scheduler/state/diagnostics.js';
import { SchedulerState } from '../../src/scheduler/state/scheduler-state.js';

describe('the transition story (story(key))', () => {
  it('tells a key its transitions in order, with the stimulus that caused each', () => {
    const state = new SchedulerState({ validate: true });
    const client = state.addClient('c', 'client', 0);
    state.submit(client, [{ key: 'a', fn: 'f', args: { body: new Uint8Array([0x90]), frames: [] }, deps: [], priority: 0, retries: 0, group: 'f' }]);
    const story = state.story('a');
    expect(story.map((e) => `${e.from}->${e.to}`)).toEqual(['released->waiting', 'waiting->queued']);
    expect(new Set(story.map((e) => e.stimulus)).size).toBe(1);
    expect(story.every((e) => e.key === 'a' && e.time > 0)).toBe(true);
  });

  it('keeps the last 20,000 transitions: the oldest go first', () => {
    const story = new TransitionStory();
    story.record('first', 'released', 'waiting', 's0');
    for (let i = 0; i < 20_000; i++) story.record(`k${i % 7}`, 'waiting', 'queued', `s${i}`);
    expect(story.of('first')).toEqual([]);
    const k3 = story.of('k3');
    expect(k3).toHaveLength(Math.ceil((20_000 - 3) / 7));
    expect(k3[0]!.stimulus).toBe('s3');
    expect(k3.at(-1)!.stimulus).toBe(`s${3 + 7 * (k3.length - 1)}`);
    story.record('last', 'queued', 'processing', 'late');
    expect(story.of('k0')[0]!.stimulus).toBe('s7'); // s0 was the oldest k0 and fell out
    expect(story.of('last')).toEqual([{ key: 'last', from: 'queued', to: 'processing', stimulus: 'late', time: expect.any(Number) }]);
  });
});
