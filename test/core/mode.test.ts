import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, ConfigurationError, TaskError } from '../../src/index.js';
import { resolveMode } from '../../src/client/mode.js';

describe('execution mode selection', () => {
  const saved = { mode: process.env.FLOTILLA_MODE, config: process.env.FLOTILLA_CONFIG };
  afterEach(() => {
    if (saved.mode === undefined) delete process.env.FLOTILLA_MODE;
    else process.env.FLOTILLA_MODE = saved.mode;
    if (saved.config === undefined) delete process.env.FLOTILLA_CONFIG;
    else process.env.FLOTILLA_CONFIG = saved.config;
  });

  it('takes the option first, then FLOTILLA_MODE, then the config file, then processes', () => {
    const dir = mkdtempSync('/tmp/flotilla-mode-');
    const file = join(dir, 'flotilla.yaml');
    writeFileSync(file, 'mode: threads\n');
    process.env.FLOTILLA_CONFIG = file;
    delete process.env.FLOTILLA_MODE;
    expect(resolveMode(undefined)).toBe('threads');
    process.env.FLOTILLA_MODE = 'sync';
    expect(resolveMode(undefined)).toBe('sync');
    expect(resolveMode('processes')).toBe('processes');
    process.env.FLOTILLA_MODE = 'turbo';
    expect(() => resolveMode(undefined)).toThrow(ConfigurationError);
    expect(() => resolveMode(undefined)).toThrow(/FLOTILLA_MODE is "turbo"; expected one of processes, threads, sync/);
  });

  it('sync mode runs tasks at once in the caller with a normal stack', async () => {
    const client = await Client.connect({ mode: 'sync' });
    try {
      const f = client.submit((x: number) => x + 1, 1);
      expect(f.status).toBe('finished');
      expect(await client.submit((x: number, y: number) => x * y, f, 5)).toBe(10);
      const failing = client.submit(() => {
        throw new TypeError('bad input');
      });
      const error = await failing.exception();
      // Wrapped as a worker's error is, with the caller's own stack.
      expect(error).toBeInstanceOf(TaskError);
      expect(error!.name).toBe('TypeError');
      expect(error!.stack).toContain('mode.test.ts');
    } finally {
      await client.close();
    }
  });

  it('sync mode starts a task only once the async tasks it depends on have finished, as a cluster does', async () => {
    const client = await Client.connect({ mode: 'sync' });
    try {
      // Async tasks: each awaits a timer turn, so nothing settles before the submits below return.
      const slow = client.submit(async (x: number) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return x * 2;
      }, 21);
      const plusOne = client.submit((y: number) => y + 1, slow);
      const both = client.submit((a: number, b: number) => [a, b], slow, plusOne);
      const failing = client.submit(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new RangeError('late failure');
      });
      const afterFailure = client.submit((v: unknown) => v, failing);
      expect(slow.status).toBe('pending');
      expect(plusOne.status).toBe('pending');
      expect(await plusOne).toBe(43);
      expect(await both).toEqual([42, 43]);
      const error = await afterFailure.exception();
      expect(error).toBeInstanceOf(TaskError);
      expect(error!.message).toContain('late failure');
    } finally {
      await client.close();
    }
  });
});
