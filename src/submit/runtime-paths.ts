/**
 * Where the programs started inside an allocation live: the Node.js executable and flotilla's compiled
 * command-line entry points.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../errors/index.js';

/** The executables the generated commands run. All paths are absolute. */
export interface RuntimePaths {
  /** The Node.js executable. @defaultValue `process.execPath` */
  readonly node: string;
  /** The `flotilla` CLI (`dist/src/cli/flotilla.js`), which runs `__run-in-allocation`. */
  readonly flotillaCli: string;
  /** The `flotilla-scheduler` CLI (`dist/src/cli/scheduler.js`). */
  readonly schedulerCli: string;
  /** The `flotilla-worker` CLI (`dist/src/cli/worker.js`). */
  readonly workerCli: string;
}

/**
 * Finds the compiled CLIs of the installed flotilla package.
 *
 * The package root is found by walking up from this module to the `package.json` named `flotilla`, so the
 * same answer comes out whether this code runs compiled from `dist/src/submit/` or from source in tests.
 * Allocated nodes see the same file system as the login node on every HPC site we know, so absolute paths
 * stay valid there; the Node.js executable is the one running now, for the same reason.
 *
 * @throws ConfigurationError when no flotilla `package.json` is found above this module.
 */
export function resolveRuntimePaths(node: string = process.execPath): RuntimePaths {
  const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
  const cli = join(root, 'dist', 'src', 'cli');
  return {
    node,
    flotillaCli: join(cli, 'flotilla.js'),
    schedulerCli: join(cli, 'scheduler.js'),
    workerCli: join(cli, 'worker.js'),
  };
}

function findPackageRoot(start: string): string {
  let directory = start;
  for (let depth = 0; depth < 20; depth += 1) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && isFlotillaManifest(manifest)) return directory;
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  throw new ConfigurationError(
    `Cannot find flotilla's package.json above ${start}, so the paths of flotilla-scheduler and flotilla-worker are unknown. ` +
      'Run flotilla from its installed package (node_modules/flotilla) or from a built checkout (npm run build).',
  );
}

function isFlotillaManifest(path: string): boolean {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'flotilla';
  } catch {
    // An unreadable or malformed package.json belongs to something else; keep walking up.
    return false;
  }
}
