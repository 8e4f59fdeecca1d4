/**
 * What a client keeps to resubmit when the scheduler timed it out (src/client/kept-tasks.ts): wanted
 * specs in submission order, released inputs while a kept task needs them, nothing once all are let go.
 */
import { describe, expect, it } from 'vitest';
import { KeptTasks } from '../../src/client/kept-tasks.js';
import type { TaskSpec } from '../../src/protocol/messages.js';

const spec = (key: string, deps: string[] = []): TaskSpec => ({ key, fn: 'f', args: { body: new Uint8Array(1), frames: [] }, deps, priority: 0, retries: 0, group: 'g' });
const keysOf = (kept: KeptTasks): string[] => kept.toResubmit().specs.map((s) => s.key);

describe('the tasks a client keeps for a rejoin', () => {
  it('keeps a released input while a kept task needs it, in submission order, and drops the chain once nothing does', () => {
    const kept = new KeptTasks();
    kept.submitted([spec('a'), spec('b', ['a'])]);
    kept.submitted([spec('c', ['b'])]);
    kept.dropped(['a', 'b']);
    expect(keysOf(kept)).toEqual(['a', 'b', 'c']);
    kept.dropped(['c']);
    expect(keysOf(kept)).toEqual([]);
    expect(kept.size).toBe(0);
  });

  it('wants a key submitted again after its release, and reports scattered keys as lost instead of resubmitting them', () => {
    const kept = new KeptTasks();
    kept.submitted([spec('a'), spec('b', ['a'])]);
    kept.dropped(['a']);
    kept.submitted([spec('a')]);
    kept.dropped(['b']);
    expect(keysOf(kept)).toEqual(['a']);
    kept.scattered(['s']);
    expect(kept.toResubmit().lost).toEqual(['s']);
    kept.dropped(['s', 'a']);
    expect(kept.toResubmit()).toEqual({ specs: [], lost: [] });
  });
});
