/**
 * Updating a file so that a crash at any moment leaves either the old or the new version, never a
 * mix: copy the old file to a temporary file in the same folder, append to the copy, fsync it, then
 * rename it over the old one (rename within one file system is atomic) and fsync the folder.
 * Copies that killed updates left behind are removed when the next update begins (leftover-copies.ts).
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { removeLeftoverCopies, tempCopyName, type RemovedCopy } from './leftover-copies.js';
import { ownerTag, startHeartbeat } from './owner.js';

/** Appended text is written once it passes this many characters. */
const WRITE_THRESHOLD_CHARS = 1 << 20;

/** An update in progress: a private copy of the target that is appended to, then renamed over it. */
export class AtomicFileUpdate {
  /** The file being updated. */
  readonly target: string;
  /**
   * The private copy (`.<name>.<host>-<pid>.<uuid>.tmp` next to the target). A killed process leaves
   * it behind; the next update of the same target deletes it once its owner is gone.
   */
  readonly tempPath: string;
  /** Whether the target existed when the update began. */
  readonly targetExisted: boolean;
  /** The abandoned copies of earlier updates that `begin` deleted. */
  readonly removedLeftovers: readonly RemovedCopy[];
  #handle: FileHandle | undefined;
  #stopHeartbeat: () => void;
  #pending: string[] = [];
  #pendingChars = 0;

  private constructor(target: string, tempPath: string, targetExisted: boolean, handle: FileHandle, removedLeftovers: RemovedCopy[]) {
    this.target = target;
    this.tempPath = tempPath;
    this.targetExisted = targetExisted;
    this.removedLeftovers = removedLeftovers;
    this.#handle = handle;
    // A live copy is touched regularly, so a process on another host can tell it from a leftover.
    this.#stopHeartbeat = startHeartbeat(() => {
      const now = new Date();
      return handle.utimes(now, now);
    });
  }

  /**
   * Starts an update of `target` (absolute): copies it, when it exists, into a fresh temporary file
   * beside it, then deletes the abandoned copies earlier (killed) updates left.
   */
  static async begin(target: string): Promise<AtomicFileUpdate> {
    const tempPath = join(dirname(target), tempCopyName(target, ownerTag(), randomUUID()));
    let targetExisted = true;
    try {
      await copyFile(target, tempPath, constants.COPYFILE_EXCL);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      targetExisted = false; // no previous version: start from an empty file
    }
    let handle: FileHandle;
    try {
      handle = await open(tempPath, targetExisted ? 'a+' : 'wx'); // a+: ensureTrailingNewline reads the last byte
    } catch (error) {
      await unlink(tempPath).catch(() => undefined); // best effort: the open error is the one to report
      throw error;
    }
    let removed: RemovedCopy[];
    try {
      removed = await removeLeftoverCopies(target, tempPath);
    } catch (error) {
      await handle.close();
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
    return new AtomicFileUpdate(target, tempPath, targetExisted, handle, removed);
  }

  /** Appends lines (each gets a trailing `\n`). Buffered; written in large blocks. */
  async appendLines(lines: readonly string[]): Promise<void> {
    for (const line of lines) {
      this.#pending.push(line);
      this.#pendingChars += line.length + 1;
    }
    if (this.#pendingChars >= WRITE_THRESHOLD_CHARS) await this.#writePending();
  }

  /** Makes sure the copy ends with a newline, so appended lines start on a line of their own. */
  async ensureTrailingNewline(): Promise<void> {
    const handle = this.#open();
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] !== 0x0a) await handle.write('\n');
  }

  /** Writes what is buffered, fsyncs, and renames the copy over the target. */
  async commit(): Promise<void> {
    const handle = this.#open();
    await this.#writePending();
    await handle.sync();
    this.#handle = undefined;
    this.#stopHeartbeat();
    await handle.close();
    await rename(this.tempPath, this.target);
    await syncFolder(dirname(this.target));
  }

  /** Drops the update: closes and deletes the copy; the target is untouched. */
  async abandon(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#pending = [];
    this.#stopHeartbeat();
    if (handle !== undefined) await handle.close();
    await unlink(this.tempPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // already gone is fine
    });
  }

  #open(): FileHandle {
    if (this.#handle === undefined) throw new Error(`the update of ${this.target} is already finished`);
    return this.#handle;
  }

  async #writePending(): Promise<void> {
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('\n') + '\n';
    this.#pending = [];
    this.#pendingChars = 0;
    await this.#open().write(text);
  }
}

/** Makes a rename in `folder` durable. Some platforms cannot open a folder for syncing; there the rename is as durable as it gets. */
async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}
