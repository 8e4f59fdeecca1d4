import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PrivateDirectory } from '../../src/cluster/private-directory.js';

/** The pid of a process that has certainly ended: a child we waited for. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('a LocalCluster private directory', () => {
  const bases: string[] = [];
  afterEach(() => {
    for (const base of bases.splice(0)) rmSync(base, { recursive: true, force: true });
  });

  it('is 0700, names its owner, and a later one removes those whose owner process is gone', () => {
    const base = mkdtempSync(join(tmpdir(), 'fl-pd-'));
    bases.push(base);
    const leftover = join(base, 'flotilla-Abc123');
    mkdirSync(leftover, { mode: 0o700 });
    writeFileSync(join(leftover, 'owner'), `${hostname()} ${deadPid()}\n`);
    writeFileSync(join(leftover, 'scheduler'), '');
    const live = join(base, 'flotilla-Live01');
    mkdirSync(live, { mode: 0o700 });
    writeFileSync(join(live, 'owner'), `${hostname()} ${process.pid}\n`);
    const otherHost = join(base, 'flotilla-Other1');
    mkdirSync(otherHost, { mode: 0o700 });
    writeFileSync(join(otherHost, 'owner'), `elsewhere-${hostname()} ${deadPid()}\n`);
    const notOurs = join(base, 'flotilla-NoOwnr');
    mkdirSync(notOurs, { mode: 0o700 });

    const directory = new PrivateDirectory(base);
    expect(statSync(directory.path).mode & 0o777).toBe(0o700);
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(otherHost)).toBe(true);
    expect(existsSync(notOurs)).toBe(true);
    // The new one names this process, so it is kept while this process lives.
    new PrivateDirectory(base);
    expect(existsSync(directory.path)).toBe(true);
    directory.remove();
    expect(existsSync(directory.path)).toBe(false);
  });
});
