/** A flag file in a fresh temporary folder: tasks wait for it (or fail until it exists), the test sets it. */
import { mkdtempSync, writeFileSync } from 'node:fs';

export interface TempFlag {
  /** Where the flag file will be. */
  readonly path: string;
  /** Creates the flag file. */
  set(): void;
}

export function tempFlag(prefix = 'flotilla-flag-'): TempFlag {
  const path = `${mkdtempSync(`/tmp/${prefix}`)}/flag`;
  return { path, set: () => writeFileSync(path, '') };
}
