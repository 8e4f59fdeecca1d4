/**
 * Compiles the part store and its recombiner to plain JavaScript in a fresh temporary folder, so
 * code outside vitest (worker threads, child processes) can import them the way workers will
 * import flotilla. Only modules without package dependencies are compiled, so the output needs no
 * node_modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface CompiledModules {
  /** URL of the compiled part-store.js (exports PartStore). */
  partStoreUrl: string;
  /** URL of the compiled part-store-recombiner.js (exports partStoreRecombiner). */
  recombinerUrl: string;
  remove(): void;
}

export function compilePartStoreModules(): CompiledModules {
  const outDir = mkdtempSync(join(tmpdir(), 'flotilla-mp-build-'));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // Same settings as tsconfig.json (which cannot be used with explicit files), output elsewhere.
  execFileSync(
    process.execPath,
    [
      tsc,
      ...['--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--strict', '--skipLibCheck'],
      ...['--types', 'node', '--rootDir', REPO, '--outDir', outDir],
      'src/multiprocessing/part-store.ts',
      'src/multiprocessing/part-store-recombiner.ts',
    ],
    { cwd: REPO, stdio: 'pipe', timeout: 120_000 },
  );
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  const compiled = (relative: string): string => pathToFileURL(join(outDir, 'src', 'multiprocessing', relative)).href;
  return {
    partStoreUrl: compiled('part-store.js'),
    recombinerUrl: compiled('part-store-recombiner.js'),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
