/**
 * A scratch project with flotilla installed in its node_modules (a link to this checkout, as `npm install
 * <path>` makes it), so that code there resolves `flotilla` through the package's `exports` map, as a user's
 * script or notebook does. Needs the built package (`npm run build`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ScratchProject {
  dir: string;
  remove(): void;
}

export function scratchProject(prefix: string): ScratchProject {
  if (!existsSync(join(PACKAGE_ROOT, 'dist/src/index.js'))) {
    throw new Error(`the built package is missing (${join(PACKAGE_ROOT, 'dist/src/index.js')}): run npm run build first`);
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(PACKAGE_ROOT, join(dir, 'node_modules', 'flotilla'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
