import { expect, it } from 'vitest';
import { runExample } from '../support/run-example.js';

it('examples/failures: a cluster whose workers cannot start, and a value nested too deeply, are refused with the reason', async () => {
  const { code, output } = await runExample('examples/failures.js');
  expect(code, output).toBe(0);
  expect(output).toMatch(/the cluster did not start: worker local-0 exited with code 9 \(signal none\); its stderr said: .*--not-a-node-flag is not allowed in NODE_OPTIONS/);
  expect(output).toMatch(/refused: argument 1 of submit cannot be sent: value\.child.*nested more than 1000 levels deep/);
}, 60_000);
