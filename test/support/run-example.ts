/** Runs a compiled example (a path under dist/, e.g. `examples/failures.js`) as its own process, to its end. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { distFile } from '../../src/util/package-paths.js';

export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
}

export async function runExample(file: string, args: string[] = []): Promise<ExampleRun> {
  const child = spawn(process.execPath, [distFile(file), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: ExampleRun = { code: null, stdout: '', stderr: '', output: '' };
  child.stdout.on('data', (c: Buffer) => {
    run.stdout += c.toString();
    run.output += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    run.stderr += c.toString();
    run.output += c.toString();
  });
  [run.code] = (await once(child, 'exit')) as [number | null];
  return run;
}
