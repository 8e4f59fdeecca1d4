/**
 * Errors keep their class across the wire. Every FlotillaError class the package exports has its own
 * literal `code` and its class's `name`; a worker that throws one (imported there by the package's
 * name, as a user's task would) hands the client the same class with its code, name, message, fields
 * and the remote stack.
 */
import { describe, expect, it } from 'vitest';
import * as flotilla from '../../src/index.js';
import { FlotillaError } from '../../src/index.js';
import { decodeBatch, encodeBatch } from '../../src/protocol/codec.js';
import { fromWireError, toWireError } from '../../src/protocol/wire-error.js';
import type { WireError } from '../../src/protocol/messages.js';
import { withCluster } from '../support/with-cluster.js';

type ErrorKind = typeof FlotillaError;

const exportedClasses = Object.entries(flotilla).filter(
  (entry): entry is [string, ErrorKind] => typeof entry[1] === 'function' && (entry[1] === FlotillaError || entry[1].prototype instanceof FlotillaError),
);

describe('error classes', () => {
  it('each exported class has its own code, and its instances carry the class name and code', () => {
    expect(exportedClasses.length).toBeGreaterThan(20);
    const codes = new Set<string>();
    for (const [exportName, kind] of exportedClasses) {
      expect(kind.name, exportName).toBe(exportName);
      expect(kind.errorName, exportName).toBe(exportName);
      expect(codes.has(kind.code), `${exportName} has the code ${kind.code} of another class`).toBe(false);
      codes.add(kind.code);
      // Each constructor's first argument is the message (or the key/signal it builds one from).
      const error = Reflect.construct(kind, ['what happened', { key: 'k', workers: [], command: [], exitCode: 1, stdout: '', stderr: '', name: 'X', worker: 'w', signal: null, failedIndices: [], entries: [], index: 0, file: 'f' }]) as FlotillaError;
      expect(error).toBeInstanceOf(FlotillaError);
      expect(error).toBeInstanceOf(Error);
      if (kind.code !== flotilla.TaskError.code) expect(error.name, exportName).toBe(exportName);
      expect(error.code, exportName).toBe(kind.code);
      expect(String(error.stack)).toContain(error.name);
    }
  });

  it('literal codes and names are kept in the types', () => {
    const timeout = new flotilla.TimeoutError('x');
    const code: 'TIMEOUT' = timeout.code;
    const name: 'TimeoutError' = timeout.name;
    expect([code, name]).toEqual(['TIMEOUT', 'TimeoutError']);
  });
});

describe('errors from the wire', () => {
  /** One trip through the real codec, as a message between processes makes it. */
  const trip = (error: unknown, key?: string): Error => fromWireError((decodeBatch(encodeBatch([toWireError(error, key)])) as WireError[])[0]!);

  it('every class of src/errors comes back as itself, with code, name, message, fields and the remote stack', () => {
    const samples: FlotillaError[] = [
      new flotilla.CancelledError('cancelled it', { keys: ['a', 'b'] }),
      new flotilla.TimeoutError('waited 5 s'),
      new flotilla.KilledWorkerError('killed 3', { key: 'k-1', workers: ['w1', 'w2', 'w3'] }),
      new flotilla.JobSubmissionError('sbatch failed', { command: ['sbatch', 'job.sh'], exitCode: 1, stdout: '', stderr: 'no partition' }),
      new flotilla.WorkerStartError('exited at start', { worker: 'w0', exitCode: null, signal: 'SIGKILL', stderr: 'bye' }),
      new flotilla.ProtocolError('bad frame'),
      new flotilla.InvalidTransitionError('memory->waiting'),
      new flotilla.SerializationError('a socket cannot travel'),
      new flotilla.FunctionShippingError('uses this'),
      new flotilla.ConfigurationError('nWorkers must be >= 0'),
      new flotilla.AuthenticationError('wrong key'),
      new flotilla.LostResultError('lost'),
      new flotilla.ReleasedFutureError('k-2'),
      new flotilla.ActorLostError('actor gone', { actor: 'counter-1' }),
    ];
    for (const sent of samples) {
      const back = trip(sent, 'k-9') as FlotillaError;
      expect(back.constructor, sent.name).toBe(sent.constructor);
      expect(back).toBeInstanceOf(FlotillaError);
      expect({ code: back.code, name: back.name, message: back.message }).toEqual({ code: sent.code, name: sent.name, message: sent.message });
      const fields = Object.fromEntries(Object.entries(sent).filter(([name]) => name !== 'name' && name !== 'code'));
      expect({ ...back }, sent.name).toMatchObject(fields);
      expect(back.stack).toBe(`${sent.stack}\n    --- raised on a flotilla worker while computing k-9`);
    }
  });

  it('an error of another class comes back as a TaskError keeping its name and remote stack', () => {
    const back = trip(new RangeError('too far'), 'k-3');
    expect(back).toBeInstanceOf(flotilla.TaskError);
    expect(back).toMatchObject({ name: 'RangeError', code: 'TASK_ERROR', message: 'too far', key: 'k-3' });
    expect((back as flotilla.TaskError).remoteStack).toMatch(/^RangeError: too far\n/);
  });

  it('fields a peer sends never replace what an error has (its code, name or methods) and are plain values', () => {
    const back = fromWireError({
      name: 'TimeoutError', code: 'TIMEOUT', message: 'm',
      fields: { code: 'OTHER', name: 'Other', toString: 'x', constructor: 1, ['__proto__']: { polluted: true }, nested: { a: 1 }, ok: 'yes' },
    }) as FlotillaError & { ok?: string; nested?: unknown; polluted?: unknown };
    expect(back).toBeInstanceOf(flotilla.TimeoutError);
    expect({ code: back.code, name: back.name, ok: back.ok, nested: back.nested, polluted: back.polluted }).toEqual({ code: 'TIMEOUT', name: 'TimeoutError', ok: 'yes', nested: undefined, polluted: undefined });
    expect(String(back)).toBe('TimeoutError: m');
  });

  it('a task that throws flotilla errors on a real worker hands the client the same classes', async () => {
    // Written as text and evaluated so that the test runner leaves `import('flotilla')` alone: the
    // worker resolves the package by its name, as a user's task does.
    const thrower = (0, eval)(`(async (which) => {
      const f = await import('flotilla');
      if (which === 'killed') throw new f.KilledWorkerError('the task killed 2', { key: 'inner', workers: ['a', 'b'] });
      if (which === 'config') throw new f.ConfigurationError('option x must be a number, got "y"');
      throw new f.CancelledError('gave up', { keys: ['one'] });
    })`) as (which: string) => Promise<never>;
    await withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      const cases = [
        { which: 'killed', kind: flotilla.KilledWorkerError, fields: { code: 'KILLED_WORKER', name: 'KilledWorkerError', message: 'the task killed 2', key: 'inner', workers: ['a', 'b'] } },
        { which: 'config', kind: flotilla.ConfigurationError, fields: { code: 'CONFIGURATION', name: 'ConfigurationError', message: 'option x must be a number, got "y"' } },
        { which: 'cancel', kind: flotilla.CancelledError, fields: { code: 'CANCELLED', name: 'CancelledError', message: 'gave up', keys: ['one'] } },
      ] as const;
      for (const { which, kind, fields } of cases) {
        const future = client.submit(thrower, which);
        const error = await future.then(() => undefined, (e: unknown) => e as FlotillaError);
        expect(error, which).toBeInstanceOf(kind);
        expect(error).toMatchObject(fields);
        // The remote stack: the worker's frames (the function's module on the worker), then where it ran.
        expect(error!.stack).toMatch(new RegExp(`^${fields.name}: ${fields.message.replace(/[()"]/g, '\\$&')}\\n\\s+at .*flotilla-worker-space`));
        expect(error!.stack).toContain(`--- raised on a flotilla worker while computing ${future.key}`);
      }
    });
  });
});
