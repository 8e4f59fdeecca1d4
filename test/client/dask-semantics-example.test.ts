import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { distFile } from '../../src/util/package-paths.js';

it('examples/dask-semantics: map keys, asCompleted with errors, retry, cancel across clients, dashboard link', async () => {
  const child = spawn(process.execPath, [distFile('examples/dask-semantics.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code, output).toBe(0);
  expect(output).toContain('keys: step-<hash>, step-<hash>, alpha, beta');
  expect(output).toContain('results: [2,3,11,21]');
  expect(output.match(/error: no settings file at <file>/g)).toHaveLength(2);
  expect(output).toContain('after retry: [100,200]');
  expect(output).toContain('cancelled here: cancelled; the other client still gets 42');
  expect(output).toContain('dashboard (told by the scheduler): same link as the cluster');
}, 60_000);
