/** examples/function-multiprocessing.ts runs in every execution mode and writes the same combined parts. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PartStore } from '../../src/index.js';

const EXAMPLE = resolve('dist/examples/function-multiprocessing.js');
const TASKS = 40;

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'flotilla-mp-example-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('examples/function-multiprocessing.ts', () => {
  for (const mode of ['processes', 'threads', 'sync'] as const) {
    test(`FLOTILLA_MODE=${mode}: every task succeeds and the shared parts are consolidated`, { timeout: 120_000 }, async () => {
      expect(existsSync(EXAMPLE), `${EXAMPLE} is missing: run npm run build first`).toBe(true);
      const combinedFile = join(folder, 'grids.parts.jsonl');
      const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE, String(TASKS), combinedFile], {
        env: { ...process.env, FLOTILLA_MODE: mode },
        timeout: 90_000,
        killSignal: 'SIGKILL',
      });
      expect(stdout).toContain(`${TASKS} of ${TASKS} tasks succeeded`);
      const consolidated = 2 * (TASKS - 1);
      expect(stdout).toContain(`recombined ${4 * TASKS} parts from ${TASKS} files`);
      expect(stdout).toContain(`${2 + 2 * TASKS} written, ${consolidated} consolidated (${consolidated} equivalences recorded)`);
      expect(stdout).toMatch(/^total \d+\.\d\d s \(functionMultiprocessing \d+\.\d\d s\)$/m);

      const combined = await PartStore.read(combinedFile);
      const types = [...combined.parts.values()].map((part) => part.type);
      expect(types.filter((type) => type === 'crs')).toEqual(['crs']);
      expect(types.filter((type) => type === 'units')).toEqual(['units']);
      expect(types.filter((type) => type === 'grid')).toHaveLength(TASKS);
      expect(types.filter((type) => type === 'property')).toHaveLength(TASKS);
      // Each grid references the one crs and units that were kept.
      const [crs] = [...combined.parts.values()].filter((part) => part.type === 'crs');
      for (const part of combined.parts.values()) if (part.type === 'grid') expect(part.refs[0]).toBe(crs!.uuid);
    });
  }
});
