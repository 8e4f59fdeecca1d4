import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { distFile } from '../../src/util/package-paths.js';

it('examples/failures: a cluster whose workers cannot start, and a value nested too deeply, are refused with the reason', async () => {
  const child = spawn(process.execPath, [distFile('examples/failures.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code, output).toBe(0);
  expect(output).toMatch(/the cluster did not start: worker local-0 exited with code 9; its stderr said: .*--not-a-node-flag is not allowed in NODE_OPTIONS/);
  expect(output).toMatch(/refused: argument 1 of submit cannot be sent: value\.child.*nested more than 1000 levels deep/);
}, 60_000);
