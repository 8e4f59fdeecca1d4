/**
 * `flotilla submit` / `start-cluster` clusters are authenticated by default: the in-allocation path
 * with the real scheduler, worker and client (the worker step runs without srun) makes a 0600 key
 * file for the run, hands it to the command as FLOTILLA_SECURITY_FILE, refuses a keyless client, and
 * removes the file at the end. `--security-file` and `--no-security` exclude each other.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/index.js';
import { runInAllocation } from '../../src/submit/allocation-driver.js';
import { parseStartClusterArgs } from '../../src/submit/cli-args.js';
import { resolveRuntimePaths } from '../../src/submit/runtime-paths.js';
import { connectWorkerReadiness } from '../../src/submit/worker-readiness-adapter.js';
import { distFile } from '../../src/util/package-paths.js';

const COMMAND = fileURLToPath(new URL('./fixtures/allocation-command.mjs', import.meta.url));

describe('a cluster in an allocation', () => {
  /** Runs the fixture command in a local "allocation"; its findings, and the driver's log lines. */
  async function runCommand(scratch: string, securityFile: string | undefined): Promise<{ code: number; result: Record<string, unknown>; lines: string[] }> {
    const resultFile = join(scratch, 'result.json');
    const lines: string[] = [];
    const code = await runInAllocation(
      {
        workersPerNode: 1, nthreads: 1, timeoutSeconds: 30, schedulerHost: '127.0.0.1', ...(securityFile ? { securityFile } : {}),
        schedulerArgs: ['--dashboard-address=false'], workerSrunArgs: [], workerArgs: [`--local-directory=${join(scratch, 'workers')}`],
        command: [process.execPath, COMMAND, resultFile, distFile('src/index.js')],
      },
      {
        runtime: resolveRuntimePaths(), connectReadiness: connectWorkerReadiness, log: (line) => lines.push(line), stopGraceMs: 10_000,
        env: process.env, listHosts: async () => ({ all: ['localhost'], own: 'localhost' }), signal: new AbortController().signal,
        wrapWorkerStep: (_placement, command) => [...command],
      },
    );
    return { code, result: JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>, lines };
  }

  it('runs with keys made for the run in ~/.flotilla/allocations, which a keyless client lacks, and removes them at the end', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'flotilla-allocation-'));
    const home = process.env.HOME;
    process.env.HOME = scratch;
    try {
      const { code, result, lines } = await runCommand(scratch, undefined);
      expect(code, lines.join('\n')).toBe(0);
      const file = result.file as string;
      expect(file.startsWith(join(scratch, '.flotilla', 'allocations') + '/')).toBe(true);
      expect(result).toEqual({ file, mode: '600', keyless: 'AuthenticationError', workers: 1, sum: 5 });
      expect(lines).toContain(`the cluster's keys: ${file} (mode 0600; the command finds it through FLOTILLA_SECURITY_FILE)`);
      expect(existsSync(file)).toBe(false);
    } finally {
      process.env.HOME = home;
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);

  it('with --security-file uses (and makes) that file, and keeps it', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'flotilla-allocation-'));
    try {
      const keyFile = join(scratch, 'keys', 'run.json');
      const { code, result, lines } = await runCommand(scratch, keyFile);
      expect(code, lines.join('\n')).toBe(0);
      expect(result).toEqual({ file: keyFile, mode: '600', keyless: 'AuthenticationError', workers: 1, sum: 5 });
      expect(existsSync(keyFile)).toBe(true);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses --security-file together with --no-security', () => {
    expect(() => parseStartClusterArgs(['--security-file', 'k.json', '--no-security'])).toThrow(ConfigurationError);
    expect(() => parseStartClusterArgs(['--security-file', 'k.json', '--no-security'])).toThrow(/contradict each other/);
    const parsed = parseStartClusterArgs(['--no-security']);
    expect(parsed.kind === 'run' && parsed.options.noSecurity).toBe(true);
  });
});
