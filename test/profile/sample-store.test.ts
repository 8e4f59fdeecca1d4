import { describe, expect, it } from 'vitest';
import { SampleStore } from '../../src/profile/sample-store.js';
import { mergeProfiles, topFunctions } from '../../src/profile/tree.js';
import type { CpuProfile } from '../../src/profile/v8-profile.js';

const frame = (functionName: string, line = 0) => ({ functionName, scriptId: '1', url: 'file:///job.mjs', lineNumber: line, columnNumber: 0 });

/** root → (idle); root → outer → inner; samples every 10 ms from t = 1000 ms (V8 µs). */
function profile(samples: number[]): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('outer', 4), children: [4] },
      { id: 4, callFrame: frame('inner', 9) },
    ],
    startTime: 1_000_000,
    endTime: 1_000_000 + samples.length * 10_000,
    samples,
    timeDeltas: samples.map(() => 10_000),
  };
}

describe('SampleStore', () => {
  it('drops idle samples, attributes samples to the task that ran on the thread then, and filters by time', () => {
    const store = new SampleStore(10);
    // Samples at 1010, 1020, …, 1060 ms (offset 0): inner, inner, idle, outer, inner, inner.
    store.ingest(0, profile([4, 4, 2, 3, 4, 4]), 0);
    expect(store.size).toBe(5);
    store.taskEnded({ thread: 0, start: 1005, stop: 1025, key: 'a-1', group: 'a' });
    store.taskStarted(0, 'b-1', 'b', 1035);

    const all = mergeProfiles({ w: store.query({ timeline: false }) }).tree;
    expect(all.count).toBe(5);
    expect(topFunctions(all, 1)[0]).toMatchObject({ name: 'inner', self: 4, total: 4, line: 10 });
    expect(all.children[0]).toMatchObject({ name: 'outer', count: 5, self: 1 });

    expect(mergeProfiles({ w: store.query({ keys: ['a-1'], timeline: false }) }).tree.count).toBe(2);
    // b-1 is still running: the samples since it started are its own.
    expect(mergeProfiles({ w: store.query({ group: 'b', timeline: false }) }).tree.count).toBe(3);
    expect(mergeProfiles({ w: store.query({ keys: ['nothing'], timeline: false }) }).tree.count).toBe(0);
    expect(mergeProfiles({ w: store.query({ start: 1041, timeline: false }) }).tree.count).toBe(2);

    const timeline = store.query({ stop: 1030, timeline: true });
    expect(timeline.samples).toEqual({ time: [1010, 1020], node: [1, 1] });
  });

  it('keeps at most its capacity of samples, the newest', () => {
    const store = new SampleStore(10, undefined, 3);
    store.ingest(0, profile([3, 3, 3, 4, 4]), 0);
    expect(store.size).toBe(3);
    const data = store.query({ timeline: true });
    expect(data.samples!.time).toEqual([1030, 1040, 1050]);
  });

  it('merges the same frame of two workers into one node', () => {
    const a = new SampleStore(10);
    const b = new SampleStore(10);
    a.ingest(0, profile([4, 4]), 0);
    b.ingest(1, profile([4, 3]), 0);
    const { tree } = mergeProfiles({ a: a.query({ timeline: false }), b: b.query({ timeline: false }) });
    expect(tree.workers).toEqual(['a', 'b']);
    expect(tree.children).toHaveLength(1);
    expect(tree.children[0]!.children[0]).toMatchObject({ name: 'inner', count: 3 });
  });
});
