/**
 * Removing the temporary copies (`.<name>.<owner>.<uuid>.tmp`) that updates of a combined file left
 * behind when their process was killed, without touching one another live process is writing (see
 * owner.ts for the rule).
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ownerGone } from './owner.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** The middle of a copy's name: `<owner>.<uuid>`, or just `<uuid>` (copies made before owners were recorded). */
const MIDDLE = new RegExp(`^(?:([^.]+)\\.)?(${UUID})$`);

/** The name of a temporary copy of `target` made by `owner`. */
export function tempCopyName(target: string, owner: string, uuid: string): string {
  return `.${basename(target)}.${owner}.${uuid}.tmp`;
}

/** A leftover copy that was removed, and why it counted as abandoned. */
export interface RemovedCopy {
  path: string;
  reason: string;
}

/**
 * Deletes the abandoned temporary copies of `target` in its folder, except `keep` (the caller's own).
 * Copies whose owner may be alive are left alone; a copy that vanishes meanwhile is skipped.
 */
export async function removeLeftoverCopies(target: string, keep?: string): Promise<RemovedCopy[]> {
  const folder = dirname(target);
  const prefix = `.${basename(target)}.`;
  const removed: RemovedCopy[] = [];
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return removed; // an unreadable folder: the update itself reports what is wrong
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const match = MIDDLE.exec(name.slice(prefix.length, -'.tmp'.length));
    if (match === null) continue; // not one of ours
    const path = join(folder, name);
    if (path === keep) continue;
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) continue;
    const reason = ownerGone(match[1], info.mtimeMs);
    if (reason === undefined) continue;
    const gone = await unlink(path).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false; // another cleaner was first
        throw error;
      },
    );
    if (gone) removed.push({ path, reason });
  }
  return removed;
}
