/** Waiting, with a bound, for a file to become visible (shared file systems may show it late). */
import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError } from '../errors/index.js';
import { OutputFileMissingError } from './errors.js';

/**
 * Resolves once `file` exists as a regular file, looking `attempts` times `intervalMs` apart.
 *
 * @throws OutputFileMissingError naming the file, how long it was waited for, and what was seen.
 * @throws CancelledError when `signal` aborts.
 */
export async function waitForFile(
  file: string,
  { attempts, intervalMs, signal }: { attempts: number; intervalMs: number; signal?: AbortSignal | undefined },
): Promise<void> {
  let lastSeen = 'it does not exist';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (signal?.aborted === true) throw new CancelledError(`waiting for ${file} was cancelled.`, { cause: signal.reason });
    try {
      // The first look is a direct system call: the file is almost always there, and an async stat
      // is a thread-pool round trip that costs far more than the call itself.
      const info: Stats = attempt === 1 ? statSync(file) : await stat(file);
      if (info.isFile()) return;
      lastSeen = 'it exists but is not a regular file';
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      lastSeen = 'it does not exist';
    }
    if (attempt < attempts) {
      try {
        await sleep(intervalMs, undefined, { signal });
      } catch (error) {
        if (isAborted(signal)) throw new CancelledError(`waiting for ${file} was cancelled.`, { cause: signal?.reason });
        throw error;
      }
    }
  }
  throw new OutputFileMissingError(
    `output file ${file} did not appear: ${lastSeen} after ${attempts} looks ${intervalMs} ms apart. ` +
      'Check that the wrapper writes it where it says (an absolute path under kwargs.parentTmpDir, on a file system the workers share), ' +
      'or raise the `fileWait` option when the shared file system is slow.',
    { file },
  );
}

/** A function, not an inline check, so the compiler does not assume the flag cannot change across an await. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
