/**
 * `flotilla start-cluster` with real processes: stand-ins for the scheduler and worker CLIs, worker steps
 * run directly instead of through srun.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StartClusterCliOptions } from '../../src/submit/cli-args.js';
import { InterruptedError } from '../../src/submit/errors.js';
import { parseSiteConfig } from '../../src/submit/site-config.js';
import { runStartCluster, type StartClusterDependencies } from '../../src/submit/start-cluster.js';
import { FAKE_RUNTIME, fileReadiness, isAlive, lineLog, makeScratch, readyWorkers, waitFor } from './helpers.js';

let scratch: ReturnType<typeof makeScratch>;
beforeEach(() => {
  scratch = makeScratch();
});
afterEach(() => {
  scratch.cleanup();
});

function setup(schedulerExtra = ''): {
  controller: AbortController;
  deps: StartClusterDependencies;
  stdout: string[];
  lines: string[];
  config: ReturnType<typeof parseSiteConfig>;
  schedulerPidFile: string;
} {
  const controller = new AbortController();
  const stdout: string[] = [];
  const { log, lines } = lineLog();
  const schedulerPidFile = join(scratch.dir, 'scheduler.pid');
  // The stand-ins' extra flags come from the site configuration, as real site options would.
  const config = parseSiteConfig(
    `worker:\n  args: ["--ready-dir=${scratch.readyDir}"]\nscheduler:\n  args: ["--pid-file=${schedulerPidFile}"${schedulerExtra}]\n`,
    'site.yaml',
  );
  const deps: StartClusterDependencies = {
    runtime: FAKE_RUNTIME,
    connectReadiness: fileReadiness(scratch.readyDir).connect,
    log,
    stopGraceMs: 5_000,
    env: process.env,
    stdout: { write: (text: string) => stdout.push(text) },
    listHosts: async () => ({ all: ['vm'], own: 'vm' }),
    signal: controller.signal,
    wrapWorkerStep: (_placement, command) => [...command],
  };
  return { controller, deps, stdout, lines, config, schedulerPidFile };
}

const OPTIONS: StartClusterCliOptions = {
  addressFile: undefined,
  configPath: undefined,
  workersPerNode: 1,
  nthreads: 1,
  timeoutSeconds: 20,
  schedulerHost: undefined,
};

describe('runStartCluster', () => {
  it('writes the address file once the workers are ready, stays up until signalled, then cleans up', async () => {
    const { controller, deps, config, schedulerPidFile } = setup();
    const addressFile = join(scratch.dir, 'address');
    const run = runStartCluster({ ...OPTIONS, addressFile }, config, deps);
    await waitFor(() => existsSync(addressFile), 20_000, 'the address file');
    // The file appears only after the workers registered, and holds the address they were given.
    const [worker] = readyWorkers(scratch.readyDir);
    expect(readFileSync(addressFile, 'utf8')).toBe(`${worker?.address}\n`);
    expect(isAlive(worker?.pid ?? 0)).toBe(true);
    controller.abort(new InterruptedError('SIGTERM'));
    expect(await run).toBe(0);
    expect(existsSync(addressFile)).toBe(false);
    expect(isAlive(worker?.pid ?? 0)).toBe(false);
    expect(isAlive(Number(readFileSync(schedulerPidFile, 'utf8')))).toBe(false);
  });

  it('prints the address on stdout when no address file is given', async () => {
    const { controller, deps, config, stdout } = setup();
    const run = runStartCluster(OPTIONS, config, deps);
    await waitFor(() => stdout.length > 0, 20_000, 'the address on stdout');
    expect(stdout).toEqual([`${readyWorkers(scratch.readyDir)[0]?.address}\n`]);
    controller.abort(new InterruptedError('SIGINT'));
    expect(await run).toBe(0);
  });

  it('stops the workers and returns 1 when the scheduler dies', async () => {
    const { deps, config, lines } = setup(', "--exit-after-ready-ms=1500"');
    expect(await runStartCluster(OPTIONS, config, deps)).toBe(1);
    expect(lines).toContain('the scheduler exited with code 5; stopping the workers');
    expect(readyWorkers(scratch.readyDir).filter((w) => isAlive(w.pid))).toEqual([]);
  });
});
