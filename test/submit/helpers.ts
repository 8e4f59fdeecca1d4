/**
 * Shared pieces of the orchestration tests: stand-ins for the scheduler and worker CLIs (the real ones
 * are not written yet), a readiness check that counts the stand-in workers, and bounded waits.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TimeoutError } from '../../src/errors/index.js';
import type { RuntimePaths } from '../../src/submit/runtime-paths.js';
import type { ConnectWorkerReadiness } from '../../src/submit/worker-readiness.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

/** Runtime paths whose scheduler and worker are the stand-ins in `fixtures/`. */
export const FAKE_RUNTIME: RuntimePaths = {
  node: process.execPath,
  flotillaCli: join(FIXTURES, 'no-such-flotilla-cli.js'),
  schedulerCli: join(FIXTURES, 'fake-scheduler.mjs'),
  workerCli: join(FIXTURES, 'fake-worker.mjs'),
};

/** A unique temporary directory per test, removed by `cleanup`. */
export function makeScratch(): { dir: string; readyDir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-submit-test-'));
  const readyDir = join(dir, 'ready');
  mkdirSync(readyDir);
  return { dir, readyDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The stand-in workers that have "registered" (written their ready files). */
export function readyWorkers(readyDir: string): Array<{ pid: number; address: string; nthreads: number; name: string; file: string }> {
  return readdirSync(readyDir)
    .filter((file) => file.endsWith('.ready'))
    .sort()
    .map((file) => ({ ...JSON.parse(readFileSync(join(readyDir, file), 'utf8')), file }));
}

/** A readiness check over the stand-ins' ready files; records the calls it gets. */
export function fileReadiness(readyDir: string): { connect: ConnectWorkerReadiness; calls: Array<{ address: string; n: number }>; closed: () => number } {
  const calls: Array<{ address: string; n: number }> = [];
  let closed = 0;
  const connect: ConnectWorkerReadiness = async (address) => ({
    waitForWorkers: async (n, timeoutMs) => {
      calls.push({ address, n });
      await waitFor(() => readdirSync(readyDir).filter((f) => f.endsWith('.ready')).length >= n, timeoutMs, `${n} ready workers`).catch(
        (error: unknown) => {
          throw new TimeoutError(`only ${readdirSync(readyDir).length} of ${n} workers registered`, { cause: error });
        },
      );
    },
    close: async () => {
      closed += 1;
    },
  });
  return { connect, calls, closed: () => closed };
}

/** Polls `condition` every 20 ms until it holds; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const statusFile = `/proc/${pid}/status`;
  if (!existsSync(statusFile)) return false;
  return !/^State:\s+Z/m.test(readFileSync(statusFile, 'utf8'));
}

/** Collects log lines. */
export function lineLog(): { log: (line: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { log: (line) => void lines.push(line), lines };
}
