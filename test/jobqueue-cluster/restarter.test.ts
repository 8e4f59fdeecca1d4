/** The restarter of the worker CLI, with real child processes: what is restarted, how often, and what stops it. */
import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { REFUSED_EXIT_CODE, superviseWorkers } from '../../src/cli/restarter.js';

const node = (code: string) => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });

describe('superviseWorkers', () => {
  test('a process that keeps failing is restarted up to the limit, then given up with its exit code', async () => {
    const lines: string[] = [];
    const starts: number[] = [];
    const run = superviseWorkers({ processes: 2, restarts: 2, spawnWorker: (i) => (starts.push(i), node(i === 0 ? 'process.exit(4)' : 'process.exit(0)')), log: (l) => lines.push(l) });
    const outcome = await run.done;
    expect(outcome).toEqual({ exitCode: 4, restarts: [2, 0] });
    expect(starts.sort()).toEqual([0, 0, 0, 1]);
    expect(lines).toEqual([
      'worker process 0 exited with code 4; restarting it (restart 1 of 2)',
      'worker process 0 exited with code 4; restarting it (restart 2 of 2)',
      'worker process 0 exited with code 4; giving it up after 2 restarts (the limit is 2)',
    ]);
  });

  test('a worker the scheduler refused (exit code 3: its keys or its registration) is not restarted', async () => {
    const lines: string[] = [];
    const outcome = await superviseWorkers({ processes: 1, restarts: 3, spawnWorker: () => node(`process.exit(${REFUSED_EXIT_CODE})`), log: (l) => lines.push(l) }).done;
    expect(outcome).toEqual({ exitCode: 3, restarts: [0] });
    expect(lines).toEqual(['worker process 0 was refused by the scheduler (exit code 3); not restarting it']);
  });

  test('a clean exit is not restarted, and with a limit of 0 a failure is not either', async () => {
    expect(await superviseWorkers({ processes: 1, restarts: 3, spawnWorker: () => node('process.exit(0)'), log: () => undefined }).done).toEqual({ exitCode: 0, restarts: [0] });
    expect(await superviseWorkers({ processes: 1, restarts: 0, spawnWorker: () => node('process.exit(5)'), log: () => undefined }).done).toEqual({ exitCode: 5, restarts: [0] });
  });

  test('stop() passes the signal on and restarts nothing from then on', async () => {
    let spawned = 0;
    const run = superviseWorkers({ processes: 2, restarts: 5, spawnWorker: () => (spawned++, node('setInterval(() => {}, 1000)')), log: () => undefined });
    run.stop('SIGTERM');
    expect(await run.done).toEqual({ exitCode: 1, restarts: [0, 0] });
    expect(spawned).toBe(2);
  });
});
