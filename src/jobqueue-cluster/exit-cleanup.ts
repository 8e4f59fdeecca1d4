/**
 * Last-resort cleanup when the program exits without `cluster.close()`: cancel the jobs still active
 * and remove the credentials file, synchronously (the 'exit' event allows nothing else). Jobs that
 * started anyway find no scheduler and end after the workers' death timeout.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

/** How long the synchronous cancel command may take at exit, in milliseconds. */
const EXIT_CANCEL_TIMEOUT_MS = 10_000;

/** What to clean up at exit; read when the process exits, so it reflects the jobs at that moment. */
export interface ExitCleanup {
  /** The cancel command for the jobs still active, or undefined when there are none. */
  cancelCommand(): readonly string[] | undefined;
  readonly env: NodeJS.ProcessEnv | undefined;
  readonly cwd: string;
  readonly securityFile: string | undefined;
}

/** Registers the cleanup on process exit; returns the function that unregisters it (called by `close()`). */
export function registerExitCleanup(cleanup: ExitCleanup): () => void {
  const onExit = (): void => {
    const argv = cleanup.cancelCommand();
    const [command, ...args] = argv ?? [];
    if (command !== undefined) {
      spawnSync(command, args, { cwd: cleanup.cwd, env: cleanup.env ?? process.env, stdio: 'ignore', timeout: EXIT_CANCEL_TIMEOUT_MS });
    }
    if (cleanup.securityFile !== undefined) rmSync(cleanup.securityFile, { force: true });
  };
  process.on('exit', onExit);
  return () => process.off('exit', onExit);
}
