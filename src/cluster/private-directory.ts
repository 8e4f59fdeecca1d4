/**
 * A directory only this user can enter (mode 0700), holding a LocalCluster's Unix sockets and key
 * file. Other local users cannot connect to a socket inside it, whatever the socket's own mode: the
 * kernel checks search permission on every directory of the path. Removed when the cluster closes.
 */
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../errors/index.js';

/** A Unix socket path holds at most 107 bytes; keep the directory short enough for a socket name after it. */
const MAX_DIRECTORY_LENGTH = 80;

export class PrivateDirectory {
  readonly path: string;

  /** Creates `flotilla-XXXXXX` (mode 0700) in the temporary directory (`/tmp` when `TMPDIR` is too long for sockets). */
  constructor(base = tmpdir()) {
    const parent = base.length <= MAX_DIRECTORY_LENGTH - 16 ? base : '/tmp';
    try {
      this.path = mkdtempSync(join(parent, 'flotilla-'));
      chmodSync(this.path, 0o700);
    } catch (error) {
      throw new ConfigurationError(`cannot create the cluster's private directory in ${parent}: ${(error as Error).message}. ` +
        'Set TMPDIR to a directory you can write.', { cause: error });
    }
    const mode = statSync(this.path).mode & 0o777;
    if (mode !== 0o700) throw new ConfigurationError(`the cluster's private directory ${this.path} has mode ${mode.toString(8)}, not 700`);
  }

  /** `ipc://` address of a socket named `name` in this directory. */
  socketAddress(name: string): string {
    return `ipc://${join(this.path, name)}`;
  }

  file(name: string): string {
    return join(this.path, name);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

