/**
 * A directory only this user can enter (mode 0700), holding a LocalCluster's Unix sockets and key
 * file. Other local users cannot connect to a socket inside it, whatever the socket's own mode: the
 * kernel checks search permission on every directory of the path. Removed when the cluster closes;
 * one left by a process that was killed (SIGKILL, a walltime kill) is removed by the next cluster this
 * user starts, once its owner process is gone.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../errors/index.js';

/** A Unix socket path holds at most 107 bytes; keep the directory short enough for a socket name after it. */
const MAX_DIRECTORY_LENGTH = 80;
/** Names the process that made a directory (`host pid`), so that a later cluster can tell a leftover. */
const OWNER_FILE = 'owner';
const DIRECTORY_NAME = /^flotilla-[A-Za-z0-9]{6}$/;

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the pid is alive, but another user's (a reused pid): not ours to judge, keep the directory.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes this user's cluster directories in `parent` whose owner process on this host is gone. Only
 * directories that carry an owner file are judged; anything else is left alone.
 */
export function removeLeftoverDirectories(parent: string): string[] {
  const removed: string[] = [];
  const uid = process.getuid?.();
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return removed; // Nothing to sweep in a directory we cannot list; creating ours reports the real problem.
  }
  for (const name of entries) {
    if (!DIRECTORY_NAME.test(name)) continue;
    const path = join(parent, name);
    try {
      const stat = lstatSync(path);
      if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue;
      const [host, pidText] = readFileSync(join(path, OWNER_FILE), 'utf8').trim().split(' ');
      const pid = Number(pidText);
      if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || !processIsGone(pid)) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // No owner file (not one of ours, or still being made) or gone meanwhile: leave it.
    }
  }
  return removed;
}

export class PrivateDirectory {
  readonly path: string;

  /** Creates `flotilla-XXXXXX` (mode 0700) in the temporary directory (`/tmp` when `TMPDIR` is too long for sockets). */
  constructor(base = tmpdir()) {
    const parent = base.length <= MAX_DIRECTORY_LENGTH - 16 ? base : '/tmp';
    removeLeftoverDirectories(parent);
    try {
      this.path = mkdtempSync(join(parent, 'flotilla-'));
      chmodSync(this.path, 0o700);
      writeFileSync(join(this.path, OWNER_FILE), `${hostname()} ${process.pid}\n`, { mode: 0o600 });
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

