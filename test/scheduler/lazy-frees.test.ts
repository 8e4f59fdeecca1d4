import { describe, expect, it } from 'vitest';
import { FREE_DELAY_MS, LazyFrees } from '../../src/scheduler/lazy-frees.js';
import { waitUntil } from '../support/with-cluster.js';

/** A scheduler's sends to workers as the server makes them: frees held, anything else after `before`. */
function wire() {
  const sent: Array<[string, object]> = [];
  const frees = new LazyFrees((peer, message) => sent.push([peer, message]));
  const send = (peer: string, message: { op: string; [field: string]: unknown }) => {
    frees.before(peer);
    sent.push([peer, message]);
  };
  return { sent, frees, send };
}

describe('LazyFrees (free-keys wait for the next message to their worker)', () => {
  it('sends held frees just before the next message to the same worker, in one go and in order', () => {
    const { sent, frees, send } = wire();
    frees.hold('w1', ['a']);
    frees.hold('w1', ['b']);
    frees.hold('w2', ['c']);
    send('w2', { op: 'heartbeat-ack' });
    send('w1', { op: 'compute', key: 'a' });
    expect(sent).toEqual([
      ['w2', { op: 'free-keys', keys: ['c'] }],
      ['w2', { op: 'heartbeat-ack' }],
      ['w1', { op: 'free-keys', keys: ['a', 'b'] }],
      ['w1', { op: 'compute', key: 'a' }],
    ]);
    frees.flushAll();
    expect(sent).toHaveLength(4);
  });

  it('sends frees alone once the delay passes with nothing else going to their worker', async () => {
    const { sent, frees } = wire();
    const heldAt = performance.now();
    frees.hold('w1', ['x', 'y']);
    expect(sent).toEqual([]);
    await waitUntil(() => sent.length > 0, 'the held frees went out', 5_000);
    expect(performance.now() - heldAt).toBeGreaterThanOrEqual(FREE_DELAY_MS - 1);
    expect(sent).toEqual([['w1', { op: 'free-keys', keys: ['x', 'y'] }]]);
  });

  it('drops the frees of a worker that left, and sends the rest at once on flushAll', () => {
    const { sent, frees } = wire();
    frees.hold('gone', ['a']);
    frees.hold('here', ['b']);
    frees.forget('gone');
    frees.flushAll();
    expect(sent).toEqual([['here', { op: 'free-keys', keys: ['b'] }]]);
  });

  it('does not keep the keys array it was given (the caller may reuse it)', () => {
    const { sent, frees } = wire();
    const keys = ['a'];
    frees.hold('w1', keys);
    keys.push('not-freed');
    frees.flushAll();
    expect(sent).toEqual([['w1', { op: 'free-keys', keys: ['a'] }]]);
  });
});
