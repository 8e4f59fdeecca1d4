import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlotillaError } from '../../src/index.js';
import { waitUntil, withCluster } from '../support/with-cluster.js';

describe('worker setups, uploads and logs reach every worker, including late joiners', () => {
  it('runs a registered setup and an uploaded module on workers that join after registration', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 2 }, async ({ client, cluster }) => {
      const dir = mkdtempSync('/tmp/flotilla-late-');
      writeFileSync(join(dir, 'units.mjs'), 'export const scale = 1000;\n');
      await client.uploadFile(join(dir, 'units.mjs'));
      const ran = await client.registerWorkerSetup((level: string) => {
        process.env.FLOTILLA_TEST_LEVEL = level;
        (globalThis as { setupRuns?: number }).setupRuns = ((globalThis as { setupRuns?: number }).setupRuns ?? 0) + 1;
        return 'ok';
      }, { name: 'env', args: ['debug'] });
      expect(ran).toEqual({ 'local-0': 'ok' });
      await cluster.scale(3);
      await client.waitForWorkers(3, { timeoutMs: 20_000 });
      const probe = async (_copy: number) => {
        // Uploaded modules exist only on the workers, so their types are stated where they are imported.
        const { scale }: { scale: number } = await import('./units.mjs' as string);
        return { level: process.env.FLOTILLA_TEST_LEVEL, runs: (globalThis as Record<string, unknown>).setupRuns, scale, pid: process.pid };
      };
      const probes = await client.gather(['local-0', 'local-1', 'local-2'].flatMap((w) =>
        [0, 1].map((i) => client.with({ workers: [w], pure: false }).submit(probe, i))));
      for (const p of probes) expect(p).toMatchObject({ level: 'debug', runs: 1, scale: 1000 });
      expect(new Set(probes.map((p) => p.pid)).size).toBe(3);

      // Replacing a setup by name; removing it keeps it off later workers.
      await client.registerWorkerSetup(() => {
        process.env.FLOTILLA_TEST_LEVEL = 'info';
      }, { name: 'env' });
      expect(await client.with({ workers: ['local-2'] }).submit(() => process.env.FLOTILLA_TEST_LEVEL)).toBe('info');
      await client.unregisterWorkerSetup('env');
      await expect(client.unregisterWorkerSetup('env')).rejects.toThrow(/no worker setup is registered under the name "env"/);
    });
  });

  it('a failing setup names the workers, and onError chooses what run does with failures', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      const failOnOne = (bad: string) => {
        if (process.env.FLOTILLA_WORKER_NAME_FOR_TEST === bad) throw new Error('cannot reach licence server');
        return process.pid;
      };
      await client.run((name: string) => {
        process.env.FLOTILLA_WORKER_NAME_FOR_TEST = name;
      }, 'x');
      await client.with({ workers: ['local-1'] }).run(() => {
        process.env.FLOTILLA_WORKER_NAME_FOR_TEST = 'local-1';
      });
      await expect(client.run(failOnOne, 'local-1')).rejects.toThrow(/run failed on 1 worker\(s\):\n {2}local-1: .*cannot reach licence server/);
      const returned = await client.with({ onError: 'return' }).run(failOnOne, 'local-1');
      expect(typeof returned['local-0']).toBe('number');
      expect(returned['local-1']).toBeInstanceOf(Error);
      const ignored = await client.with({ onError: 'ignore' }).run(failOnOne, 'local-1');
      expect(Object.keys(ignored)).toEqual(['local-0']);
      await expect(client.registerWorkerSetup(failOnOne, { name: 'licence', args: ['local-1'] })).rejects.toBeInstanceOf(FlotillaError);
    });
  });

  it('later tasks see a re-uploaded module, and folders arrive unpacked from .tar.gz and .zip', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const dir = mkdtempSync('/tmp/flotilla-reupload-');
      const file = join(dir, 'model.mjs');
      writeFileSync(file, 'export const version = 1;\n');
      await client.uploadFile(file);
      const read = async (tag: number) => ((await import('./model.mjs' as string)) as { version: number }).version + tag * 0;
      expect(await client.with({ pure: false }).submit(read, 0)).toBe(1);
      writeFileSync(file, 'export const version = 2;\n');
      await client.uploadFile(file);
      expect(await client.with({ pure: false }).submit(read, 0)).toBe(2);

      mkdirSync(join(dir, 'pkg'));
      writeFileSync(join(dir, 'pkg', 'index.mjs'), 'export default "from tar";\n');
      execFileSync('tar', ['-czf', join(dir, 'pkg.tar.gz'), '-C', dir, 'pkg']);
      await client.uploadFile(join(dir, 'pkg.tar.gz'));
      expect(await client.with({ pure: false }).submit(async () => ((await import('./pkg/index.mjs' as string)) as { default: string }).default)).toBe('from tar');
      // The zip was made by our own writer-free route: python's zipfile (deflate) when present, else skip the zip half.
      const zip = join(dir, 'lib.zip');
      mkdirSync(join(dir, 'lib'));
      writeFileSync(join(dir, 'lib', 'm.mjs'), 'export const answer = 42;\n');
      execFileSync('python3', ['-c', `import zipfile\nwith zipfile.ZipFile(${JSON.stringify(zip)}, 'w', zipfile.ZIP_DEFLATED) as z:\n  z.write(${JSON.stringify(join(dir, 'lib', 'm.mjs'))}, 'lib/m.mjs')`]);
      await client.uploadFile(zip);
      expect(await client.with({ pure: false }).submit(async () => ((await import('./lib/m.mjs' as string)) as { answer: number }).answer)).toBe(42);
      // The older upload is still there in the new version folder.
      expect(await client.with({ pure: false }).submit(read, 1)).toBe(2);
    });
  });

  it('task console output lands in the worker log with the worker and task key', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const noisy = client.submit((x: number) => {
        console.log(`integrating step ${x}`);
        console.error('residual warning');
        return x;
      }, 7);
      await noisy;
      let logs: Record<string, string[]> = {};
      await waitUntil(async () => {
        logs = await client.getWorkerLogs({ tail: 50 });
        return (logs['local-0'] ?? []).some((l) => l.includes('integrating step 7'));
      }, 'the task output is in the worker log');
      const line = logs['local-0']!.find((l) => l.includes('integrating step 7'))!;
      expect(line).toContain('[local-0]');
      expect(line).toContain(`[${noisy.key}]`);
      expect(logs['local-0']!.some((l) => l.includes('residual warning'))).toBe(true);
    });
  });

  it('threads of one worker read one shared copy of a scattered array', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 2 }, async ({ client }) => {
      const dir = mkdtempSync('/tmp/flotilla-shared-');
      const [array] = await client.scatter([new Float64Array(1 << 16)], { broadcast: true });
      const writer = client.submit(async (a: Float64Array, d: string) => {
        const fs = await import('node:fs');
        a[123] = 42.5;
        fs.writeFileSync(`${d}/written`, '');
        for (let i = 0; i < 3000 && !fs.existsSync(`${d}/done`); i++) await new Promise((r) => setTimeout(r, 10));
        return a.buffer instanceof SharedArrayBuffer;
      }, array!, dir);
      const { existsSync } = await import('node:fs');
      await waitUntil(() => existsSync(`${dir}/written`), 'the writer wrote');
      // The writer holds thread 0, so this runs on thread 1 and sees the write only through shared memory.
      const reader = client.submit((a: Float64Array) => ({ seen: a[123], shared: a.buffer instanceof SharedArrayBuffer }), array!);
      expect(await reader).toEqual({ seen: 42.5, shared: true });
      writeFileSync(`${dir}/done`, '');
      expect(await writer).toBe(true);
    });
  });
});
