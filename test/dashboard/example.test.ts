/** examples/dashboard.ts runs, serves its page while it works, and exits by itself when its time is up. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get } from './helpers.js';

const EXAMPLE = resolve('dist/examples/dashboard.js');

describe('examples/dashboard.ts', () => {
  it('prints the dashboard link, serves the page during the workload, then closes everything and exits 0', async () => {
    expect(existsSync(EXAMPLE), `${EXAMPLE} is missing: run npm run build first`).toBe(true);
    const child = spawn(process.execPath, [EXAMPLE, '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const link = await new Promise<string>((done, fail) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /^dashboard: (http:\/\/\S+)$/m.exec(stdout);
          if (match) done(match[1]!);
        });
        void exited.then((code) => fail(new Error(`the example exited (${code}) before printing its link:\n${stdout}\n${stderr}`)));
      });
      const page = await get(link);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<title>flotilla dashboard</title>');
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stdout).toMatch(/^round 1: mean \d+(\.\d)?, 3 of 30 checks failed \(on purpose\)$/m);
    expect(stdout).toMatch(/^ran \d+ tasks in \d+ rounds; closing$/m);
  }, 90_000);
});
