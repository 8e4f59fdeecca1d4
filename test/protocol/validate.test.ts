/** Full validation of decoded messages: nested fields, finite numbers, no prototype keys or ops. */
import { describe, expect, it } from 'vitest';
import { OutOfBand } from '../../src/protocol/out-of-band.js';
import {
  clientToSchedulerSchema, peerReplySchema, schedulerToWorkerSchema, validateBatch, workerToSchedulerSchema,
} from '../../src/protocol/validate.js';
import type { ClientToScheduler, PeerReply, SchedulerToWorker, WorkerToScheduler } from '../../src/protocol/messages.js';

const wire = { body: new Uint8Array([0x90]), frames: [] as OutOfBand[] };
const task = (extra: Record<string, unknown> = {}) => ({ key: 'k', fn: 'f', args: wire, deps: [], priority: 0, retries: 0, group: 'g', ...extra });

function problem<M extends { op: string }>(schema: Parameters<typeof validateBatch<M>>[1], message: unknown): string | undefined {
  const { messages, errors } = validateBatch<M>([message], schema, 'peer');
  expect(messages.length + errors.length).toBe(1);
  return errors[0]?.message;
}

describe('validateBatch', () => {
  it('accepts well-formed messages of every direction', () => {
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, { op: 'submit', tasks: [task({ restrictions: { workers: ['a'], resources: { GPU: 1 } } })] })).toBeUndefined();
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, { op: 'upload-file', id: 1, name: 'x', data: new OutOfBand(new Uint8Array(3)) })).toBeUndefined();
    expect(problem<WorkerToScheduler>(workerToSchedulerSchema, { op: 'task-erred', key: 'k', error: { name: 'E', message: 'm' }, duration: 1, start: 2, thread: 0 })).toBeUndefined();
    expect(problem<SchedulerToWorker>(schedulerToWorkerSchema, { op: 'compute', tasks: [{ key: 'k', fn: 'f', args: wire, deps: [{ key: 'd', holders: ['tcp://x'], local: false }], priority: 1 }] })).toBeUndefined();
    expect(problem<PeerReply>(peerReplySchema, { op: 'data', id: 1, values: { k: wire }, missing: [] })).toBeUndefined();
  });

  it('names the nested field that is wrong', () => {
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, { op: 'submit', tasks: [task(), task({ restrictions: { workers: 5 } })] }))
      .toMatch(/op `submit`: field tasks\[1\]\.restrictions\.workers should be an array, got number/);
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, { op: 'submit', tasks: [task({ deps: ['a', 7] })] })).toMatch(/tasks\[0\]\.deps\[1\] should be a string/);
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, { op: 'submit', tasks: [task({ priority: Infinity })] })).toMatch(/priority should be a finite number, got Infinity/);
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, { op: 'scatter', id: 1, keys: ['k'], values: [{ body: 'x', frames: [] }], broadcast: false })).toMatch(/values\[0\]\.body should be binary/);
    expect(problem<WorkerToScheduler>(workerToSchedulerSchema, { op: 'register', worker: {} })).toMatch(/worker\.name should be a string, got undefined/);
    expect(problem<WorkerToScheduler>(workerToSchedulerSchema, { op: 'data-reply', id: 1, values: { k: 5 }, missing: [] })).toMatch(/values\["k"\] should be an object/);
  });

  it('refuses prototype ops and prototype keys, and objects that are not plain', () => {
    for (const op of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(problem<ClientToScheduler>(clientToSchedulerSchema, { op })).toMatch(/unknown op/);
    }
    const polluted = JSON.parse('{"op":"submit","tasks":[{"key":"k","fn":"f","args":{"body":null,"frames":[]},"deps":[],"priority":0,"retries":0,"group":"g","restrictions":{"resources":{"__proto__":{"x":1}}}}]}');
    polluted.tasks[0].args = wire;
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, polluted)).toMatch(/forbidden key "__proto__"/);
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, { op: 'info', id: 1, constructor: 1 })).toMatch(/forbidden key "constructor"/);
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, new (class { op = 'info'; id = 1; })())).toMatch(/not an object/);
    expect(problem<ClientToScheduler>(clientToSchedulerSchema, { op: 'submit', tasks: [new (class { key = 'k'; })()] })).toMatch(/tasks\[0\] should be an object/);
  });

  it('keeps serving the rest of a batch and says when the body is not a batch', () => {
    const { messages, errors } = validateBatch<ClientToScheduler>([{ op: 'info', id: 1 }, 17, { op: 'info' }], clientToSchedulerSchema, 'p');
    expect(messages).toEqual([{ op: 'info', id: 1 }]);
    expect(errors.map((e) => e.kind)).toEqual(['not an object', 'bad info']);
    expect(validateBatch<ClientToScheduler>({ op: 'info' }, clientToSchedulerSchema, 'p').errors[0]!.message).toMatch(/not a batch/);
  });
});
