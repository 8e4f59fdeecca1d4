import { describe, expect, it, vi } from 'vitest';
import { StartNotices } from '../../src/worker/start-notices.js';

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('start notices (what a worker tells the scheduler it runs)', () => {
  function notices(running: string[] = []) {
    const sent: string[][] = [];
    const starts = new StartNotices((keys) => sent.push(keys), () => running, 20);
    return { starts, sent, running };
  }

  it('reports a task of a function that never finished here at once', () => {
    const { starts, sent } = notices();
    starts.started('crash-1', 'file:///fn-crash.mjs');
    expect(sent).toEqual([['crash-1']]);
    starts.close();
  });

  it('sends nothing for a short task of a function that finished here before', async () => {
    const { starts, sent } = notices();
    starts.started('inc-1', 'file:///fn-inc.mjs');
    starts.ended('inc-1', 'file:///fn-inc.mjs');
    starts.started('inc-2', 'file:///fn-inc.mjs');
    starts.ended('inc-2', 'file:///fn-inc.mjs');
    await waitMs(60);
    expect(sent).toEqual([['inc-1']]);
    starts.close();
  });

  it('reports a task of a proven function that still runs after the delay, and only if it still runs', async () => {
    const running: string[] = [];
    const { starts, sent } = notices(running);
    starts.started('slow-1', 'file:///fn-slow.mjs');
    starts.ended('slow-1', 'file:///fn-slow.mjs');
    running.push('slow-2');
    starts.started('slow-2', 'file:///fn-slow.mjs');
    starts.started('cancelled-3', 'file:///fn-slow.mjs'); // started, then its thread was ended: not running
    await waitMs(60);
    expect(sent).toEqual([['slow-1'], ['slow-2']]);
    starts.close();
  });

  it('leaves no timer behind once every short task has ended, so an idle worker is not woken for nothing', () => {
    vi.useFakeTimers();
    try {
      const { starts, sent } = notices();
      starts.started('a-1', 'file:///fn-a.mjs');
      starts.ended('a-1', 'file:///fn-a.mjs');
      starts.started('a-2', 'file:///fn-a.mjs');
      expect(vi.getTimerCount()).toBe(1);
      starts.ended('a-2', 'file:///fn-a.mjs');
      expect(vi.getTimerCount()).toBe(0);
      starts.started('a-3', 'file:///fn-a.mjs');
      starts.started('a-4', 'file:///fn-a.mjs');
      starts.ended('a-3', 'file:///fn-a.mjs');
      expect(vi.getTimerCount()).toBe(1); // a-4 still runs and may need reporting
      starts.close();
      expect(sent).toEqual([['a-1']]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends nothing after close', async () => {
    const { starts, sent } = notices(['late']);
    starts.ended('x', 'file:///fn-late.mjs');
    starts.started('late', 'file:///fn-late.mjs');
    starts.close();
    await waitMs(60);
    expect(sent).toEqual([]);
  });
});
