/**
 * The in-allocation driver with real processes: stand-ins for flotilla-scheduler and flotilla-worker
 * (fixtures/), worker steps run directly instead of through srun (there is no SLURM here yet).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/errors/index.js';
import { runInAllocation, type DriverDependencies } from '../../src/submit/allocation-driver.js';
import type { DriverCliOptions } from '../../src/submit/cli-args.js';
import type { WorkerPlacement } from '../../src/submit/commands.js';
import { AllocationError, InterruptedError } from '../../src/submit/errors.js';
import type { AllocationHosts } from '../../src/submit/slurm-hosts.js';
import { FAKE_RUNTIME, fileReadiness, isAlive, lineLog, makeScratch, readyWorkers, waitFor } from './helpers.js';

let scratch: ReturnType<typeof makeScratch>;
beforeEach(() => {
  scratch = makeScratch();
});
afterEach(() => {
  scratch.cleanup();
});

/** A node script run as the user's command. */
function nodeCommand(source: string, ...args: string[]): string[] {
  return [process.execPath, '-e', source, ...args];
}

function setup(
  overrides: { hosts?: AllocationHosts; options?: Partial<DriverCliOptions>; signal?: AbortSignal; stopGraceMs?: number } = {},
): {
  options: DriverCliOptions;
  deps: DriverDependencies;
  placements: WorkerPlacement[];
  readiness: ReturnType<typeof fileReadiness>;
  lines: string[];
  schedulerPidFile: string;
} {
  const { log, lines } = lineLog();
  const readiness = fileReadiness(scratch.readyDir);
  const placements: WorkerPlacement[] = [];
  const schedulerPidFile = join(scratch.dir, 'scheduler.pid');
  const options: DriverCliOptions = {
    workersPerNode: 1,
    nthreads: 2,
    timeoutSeconds: 20,
    schedulerHost: undefined,
    schedulerArgs: [`--pid-file=${schedulerPidFile}`],
    workerSrunArgs: [],
    workerArgs: [`--ready-dir=${scratch.readyDir}`],
    command: ['true'],
    ...overrides.options,
  };
  const deps: DriverDependencies = {
    runtime: FAKE_RUNTIME,
    connectReadiness: readiness.connect,
    log,
    stopGraceMs: overrides.stopGraceMs ?? 5_000,
    env: { ...process.env, SLURM_CPUS_ON_NODE: '6' },
    listHosts: async () => overrides.hosts ?? { all: ['vm'], own: 'vm' },
    signal: overrides.signal ?? new AbortController().signal,
    // No srun here: run the worker command itself, and remember where it would have gone.
    wrapWorkerStep: (placement, command) => {
      placements.push(placement);
      return [...command];
    },
  };
  return { options, deps, placements, readiness, lines, schedulerPidFile };
}

function schedulerPid(file: string): number {
  return Number(readFileSync(file, 'utf8'));
}

describe('runInAllocation', () => {
  it('runs the command with FLOTILLA_SCHEDULER_ADDRESS, returns its exit code and stops everything', async () => {
    const addressFile = join(scratch.dir, 'seen-address');
    const { options, deps, placements, readiness, lines, schedulerPidFile } = setup({
      options: {
        command: nodeCommand(
          "require('fs').writeFileSync(process.argv[1], process.env.FLOTILLA_SCHEDULER_ADDRESS ?? 'unset'); process.exit(7)",
          addressFile,
        ),
      },
    });
    const code = await runInAllocation(options, deps);
    expect(code).toBe(7);
    const address = readFileSync(addressFile, 'utf8');
    expect(address).toMatch(/^tcp:\/\/vm:\d+$/);
    // One node: one worker beside the command, told the same address.
    expect(placements).toEqual([{ host: 'vm', index: 0, besideCommand: true }]);
    const workers = readyWorkers(scratch.readyDir);
    expect(workers.map((w) => [w.name, w.address, w.nthreads])).toEqual([['vm-0', address, 2]]);
    expect(readiness.calls).toEqual([{ address, n: 1 }]);
    expect(readiness.closed()).toBe(1);
    // Nothing is left running.
    expect(isAlive(schedulerPid(schedulerPidFile))).toBe(false);
    expect(workers.filter((w) => isAlive(w.pid))).toEqual([]);
    expect(lines).toContain('the command exited with code 7');
    expect(lines.some((line) => line.includes('fake-worker.mjs tcp://vm:'))).toBe(true);
  });

  it('puts workers on every other host and waits for hosts × workers-per-node of them', async () => {
    const { options, deps, placements, readiness } = setup({
      hosts: { all: ['n1', 'n2', 'n3'], own: 'n2' },
      options: { workersPerNode: 2, nthreads: undefined, schedulerHost: '127.0.0.1' },
    });
    expect(await runInAllocation(options, deps)).toBe(0);
    expect(placements).toEqual([
      { host: 'n1', index: 0, besideCommand: false },
      { host: 'n3', index: 2, besideCommand: false },
    ]);
    expect(readiness.calls).toEqual([{ address: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/), n: 4 }]);
    // Threads default to SLURM_CPUS_ON_NODE (6) / workers per node (2).
    expect(readyWorkers(scratch.readyDir).map((w) => [w.file, w.nthreads])).toEqual([
      ['n1-0.0.ready', 3],
      ['n1-0.1.ready', 3],
      ['n3-2.0.ready', 3],
      ['n3-2.1.ready', 3],
    ]);
  });

  it('reports a scheduler that dies before giving its address, and never runs the command', async () => {
    const marker = join(scratch.dir, 'command-ran');
    const { options, deps } = setup({
      options: { schedulerArgs: ['--fail-before-ready'], command: nodeCommand("require('fs').writeFileSync(process.argv[1], 'x')", marker) },
    });
    const attempt = runInAllocation(options, deps);
    await expect(attempt).rejects.toBeInstanceOf(AllocationError);
    await expect(attempt).rejects.toThrow(/The scheduler exited with code 3 before printing its address.*cannot bind, giving up/s);
    expect(existsSync(marker)).toBe(false);
  });

  it('reports a worker step that ends before the workers are ready, and stops the scheduler', async () => {
    const marker = join(scratch.dir, 'command-ran');
    const { options, deps, schedulerPidFile } = setup({
      options: { workerArgs: ['--exit-early=4'], command: nodeCommand("require('fs').writeFileSync(process.argv[1], 'x')", marker) },
    });
    const attempt = runInAllocation(options, deps);
    await expect(attempt).rejects.toBeInstanceOf(AllocationError);
    await expect(attempt).rejects.toThrow(/A worker step exited with code 4 before the workers were ready: .*fake-worker\.mjs/);
    expect(existsSync(marker)).toBe(false);
    expect(isAlive(schedulerPid(schedulerPidFile))).toBe(false);
  });

  it('gives up after --timeout when the workers never register, and stops what it started', async () => {
    const { options, deps, schedulerPidFile } = setup({
      options: { timeoutSeconds: 1, workerArgs: [`--ready-dir=${scratch.readyDir}`, '--never-ready'] },
      stopGraceMs: 2_000,
    });
    const started = Date.now();
    const attempt = runInAllocation(options, deps);
    await expect(attempt).rejects.toBeInstanceOf(TimeoutError);
    await expect(attempt).rejects.toThrow(/Not all 1 worker\(s\) registered with the scheduler at tcp:\/\/vm:\d+ within 1 s/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(isAlive(schedulerPid(schedulerPidFile))).toBe(false);
  });

  it('on SIGINT passes the signal to the command, stops the cluster and exits with 130', async () => {
    const started = join(scratch.dir, 'started');
    const gotSignal = join(scratch.dir, 'got-signal');
    const controller = new AbortController();
    const { options, deps, schedulerPidFile } = setup({
      signal: controller.signal,
      options: {
        command: nodeCommand(
          "const fs = require('fs'); process.on('SIGINT', () => { fs.writeFileSync(process.argv[2], 'SIGINT'); process.exit(0); });" +
            'fs.writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000);',
          started,
          gotSignal,
        ),
      },
    });
    const run = runInAllocation(options, deps);
    await waitFor(() => existsSync(started) && readFileSync(started, 'utf8') !== '', 20_000, 'the command to start');
    controller.abort(new InterruptedError('SIGINT'));
    expect(await run).toBe(130);
    expect(readFileSync(gotSignal, 'utf8')).toBe('SIGINT');
    expect(isAlive(Number(readFileSync(started, 'utf8')))).toBe(false);
    expect(isAlive(schedulerPid(schedulerPidFile))).toBe(false);
    expect(readyWorkers(scratch.readyDir).filter((w) => isAlive(w.pid))).toEqual([]);
  });

  it('kills a worker that ignores SIGTERM once the grace period is over', async () => {
    const { options, deps } = setup({
      options: { workerArgs: [`--ready-dir=${scratch.readyDir}`, '--ignore-sigterm'] },
      stopGraceMs: 300,
    });
    expect(await runInAllocation(options, deps)).toBe(0);
    const [worker] = readyWorkers(scratch.readyDir);
    expect(worker).toBeDefined();
    expect(isAlive(worker?.pid ?? 0)).toBe(false);
  });

  it('returns 127 when the command does not exist, after stopping the cluster', async () => {
    const { options, deps, lines, schedulerPidFile } = setup({ options: { command: ['/no/such/program-for-flotilla'] } });
    expect(await runInAllocation(options, deps)).toBe(127);
    expect(lines.some((line) => line.startsWith('the command could not start (ENOENT): /no/such/program-for-flotilla'))).toBe(true);
    expect(isAlive(schedulerPid(schedulerPidFile))).toBe(false);
  });

  it('returns 128 + signal number when the command is killed by a signal', async () => {
    const { options, deps } = setup({ options: { command: nodeCommand("process.kill(process.pid, 'SIGKILL')") } });
    expect(await runInAllocation(options, deps)).toBe(137);
  });
});
