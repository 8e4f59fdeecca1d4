/**
 * Paths of this package's compiled entry points (worker CLI, task thread), whether the calling code runs
 * from `dist/` or from TypeScript sources under a test runner: both resolve to the compiled `dist/` file,
 * because child processes and worker threads run plain Node on JavaScript.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The folder holding flotilla's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'flotilla') return (root = dir);
      } catch {
        // An unreadable package.json on the way up is not ours: keep looking.
      }
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the flotilla package root above ' + fileURLToPath(import.meta.url));
}

/** Absolute path of a compiled file, e.g. `distFile('src/cli/worker.js')`. */
export function distFile(relative: string): string {
  const path = join(packageRoot(), 'dist', relative);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: build flotilla first (npm run build; npm ci runs it for you)`);
  }
  return path;
}
