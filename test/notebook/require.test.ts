import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchProject, type ScratchProject } from './installed-package.js';

const run = promisify(execFile);

/** Runs a CommonJS file in the scratch project and returns what it printed. */
async function runCommonJs(project: ScratchProject, name: string, source: string): Promise<{ stdout: string; stderr: string }> {
  const file = join(project.dir, name);
  writeFileSync(file, source);
  return run(process.execPath, [file], { cwd: project.dir, timeout: 30_000, env: { ...process.env, FLOTILLA_DASHBOARD_ADDRESS: 'false' } });
}

describe('loading flotilla from CommonJS (scripts and notebook kernels)', () => {
  let project: ScratchProject;
  beforeAll(() => {
    project = scratchProject('flotilla-require-');
  });
  afterAll(() => project.remove());

  it("require('flotilla') gives the same module as import, and a cluster runs from it", async () => {
    const { stdout, stderr } = await runCommonJs(project, 'script.cjs', `
      const flotilla = require('flotilla');
      (async () => {
        const imported = await import('flotilla');
        const { LocalCluster, Client } = flotilla;
        const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1 });
        const client = await Client.connect(cluster);
        const answer = await client.submit((x) => x * 2, 21);
        // An error a worker throws comes back as the class both entries share.
        const error = await client.submit(async () => { throw new (await import('flotilla')).TimeoutError('waited'); }).then(undefined, (e) => e);
        await client.close();
        await cluster.close();
        const sameClass = error instanceof flotilla.TimeoutError && error instanceof imported.TimeoutError && error instanceof flotilla.FlotillaError;
        console.log(JSON.stringify({ same: imported.Client === flotilla.Client && imported.Future === flotilla.Future, answer, error: [sameClass, error.code, error.name] }));
      })().catch((error) => { console.error(error); process.exitCode = 1; });
    `);
    expect(JSON.parse(stdout.trim())).toEqual({ same: true, answer: 42, error: [true, 'TIMEOUT', 'TimeoutError'] });
    // Node 20.19+ requires an ES module without an experimental-feature warning.
    expect(stderr).not.toMatch(/ExperimentalWarning/);
  });

  it('the ways to load it that the error for an old Node suggests work from CommonJS', async () => {
    const { stdout } = await runCommonJs(project, 'suggested.cjs', `
      (async () => {
        const viaImport = await import('flotilla');
        const viaEval = await eval("import('flotilla')");
        console.log(typeof viaImport.Client.connect, viaEval.Client === viaImport.Client);
      })().catch((error) => { console.error(error); process.exitCode = 1; });
    `);
    expect(stdout.trim()).toBe('function true');
  });
});
