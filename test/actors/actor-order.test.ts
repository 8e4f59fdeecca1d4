/**
 * The order of an actor's calls on its thread (src/worker/actor-order.ts): direct calls run as they
 * arrive, a scheduler-sent call that must follow a direct call waits for it, and the scheduler's calls
 * behind it wait with it. Pure: the order is the only thing it decides.
 */
import { describe, expect, it } from 'vitest';
import { ActorOrder } from '../../src/worker/actor-order.js';
import type { ActorTaskPart } from '../../src/protocol/messages.js';
import type { ThreadTask } from '../../src/worker/thread-protocol.js';

function task(key: string, actor: Partial<ActorTaskPart>): ThreadTask {
  return { id: 1, key, fnUrl: 'file:///fn.mjs', args: { body: new Uint8Array(0), frames: [] }, deps: [], keep: false, actor: { actor: 'A', kind: 'call', name: 'inc', ...actor } };
}
const direct = (key: string, seq: number, handle = 'h') => task(key, { handle, direct: { worker: 'w', seq } });
const routed = (key: string, after?: number, handle = 'h') => task(key, { handle, ...(after === undefined ? {} : { after }) });

describe('the order of an actor\'s calls on its thread', () => {
  it('parks a routed call until the direct call it follows arrived, with the routed calls behind it', () => {
    const ran: string[] = [];
    const order = new ActorOrder((t) => ran.push(t.key));
    order.admit(task('A', { kind: 'create' }));
    order.admit(direct('d1', 1));
    order.admit(routed('r1', 1)); // its direct call is here: runs
    order.admit(routed('r3', 3)); // direct call 3 not here yet: parked
    order.admit(routed('r4')); // behind a parked call: parked too
    expect(order.parked).toBe(2);
    order.admit(direct('d2', 2));
    expect(ran).toEqual(['A', 'd1', 'r1', 'd2']);
    order.admit(direct('x1', 1, 'other')); // another handle's calls do not release it
    order.admit(direct('d3', 3));
    expect(ran).toEqual(['A', 'd1', 'r1', 'd2', 'x1', 'd3', 'r3', 'r4']);
    expect(order.parked).toBe(0);
  });

  it('runs a routed call at once when its direct call came earlier, and ones without `after` in arrival order', () => {
    const ran: string[] = [];
    const order = new ActorOrder((t) => ran.push(t.key));
    order.admit(direct('d1', 1));
    order.admit(direct('d2', 2));
    order.admit(routed('r', 1));
    order.admit(routed('s'));
    expect(ran).toEqual(['d1', 'd2', 'r', 's']);
  });
});
