/**
 * The `profile` section of the config file: checked values with errors that name the key and a fix
 * that works, accepted by the job-queue reader, and read by real workers as they start.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_IN_SYSTEMS as systems } from '../../cluster-adapters/index.js';
import { durationMs, loadProfileConfig, parseProfileSection } from '../../src/config/profile-config.js';
import { ConfigurationError } from '../../src/errors/index.js';
import { parseFlotillaConfig } from '../../src/jobqueue/index.js';
import { withCluster } from '../support/with-cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-profile-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The fix a message gives, as `key: value` between backticks. */
function suggestedFix(message: string): string {
  const fix = /e\.g\. `([^`]+)`/.exec(message) ?? /Did you mean `([^`]+)`/.exec(message);
  if (!fix) throw new Error(`no fix in: ${message}`);
  return fix[1]!;
}

describe('the profile section', () => {
  it('reads durations as Dask writes them, and enabled: false turns sampling off', () => {
    expect(durationMs(10)).toBe(10);
    expect(durationMs('10ms')).toBe(10);
    expect(durationMs('2.5 s')).toBe(2500);
    expect(durationMs('500us')).toBe(0.5);
    expect(durationMs('1m')).toBe(60_000);
    expect(durationMs('fast')).toBeUndefined();
    expect(parseProfileSection({ interval: '5ms', cycle: '1s' }, 'f.yaml')).toEqual({ intervalMs: 5, cycleMs: 1000 });
    expect(parseProfileSection({ interval: '5ms', enabled: false }, 'f.yaml')).toEqual({ intervalMs: 0 });
    expect(parseProfileSection({ interval: 0 }, 'f.yaml')).toEqual({ intervalMs: 0 });
    expect(parseProfileSection(null, 'f.yaml')).toEqual({});
  });

  it('refuses a bad value or an unknown key, naming the key and the file, and the fix it gives works', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ interval: 'fast' }, /profile\.interval in f\.yaml must be a duration >= 0 .* got "fast"/],
      [{ interval: -1 }, /profile\.interval in f\.yaml must be a duration >= 0/],
      [{ cycle: '5ms' }, /profile\.cycle in f\.yaml must be a duration of at least 100 ms/],
      [{ enabled: 'no' }, /profile\.enabled in f\.yaml must be true or false, got "no"/],
      [{ intervall: '10ms' }, /Unknown key `intervall` in the `profile` section of f\.yaml\. Did you mean `interval`\? Valid keys: interval, cycle, enabled/],
    ];
    for (const [section, expected] of cases) {
      let message = '';
      try {
        parseProfileSection(section, 'f.yaml');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        message = (error as Error).message;
      }
      expect(message).toMatch(expected);
      // Apply the fix: a `key: value` replaces the bad entry, a bare key renames it.
      const fix = suggestedFix(message);
      const [key, value] = fix.includes(':') ? fix.split(/:\s*/) as [string, string] : [fix, Object.values(section)[0]];
      const fixed = { [key]: value === 'false' ? false : value === 'true' ? true : value };
      expect(() => parseProfileSection(fixed, 'f.yaml')).not.toThrow();
    }
    expect(() => parseProfileSection('10ms', 'f.yaml')).toThrow(/must be a mapping with the keys interval, cycle, enabled/);
  });

  it('is a valid top-level key of the config file for job-queue clusters too, checked there', () => {
    expect(parseFlotillaConfig('profile:\n  interval: 20ms\nslurm:\n  cores: 2\n', 'c.yaml', systems).jobqueue.slurm).toEqual({ cores: 2 });
    expect(() => parseFlotillaConfig('profile:\n  interval: soon\n', 'c.yaml', systems)).toThrow(/profile\.interval in c\.yaml/);
    expect(() => parseFlotillaConfig('profil:\n  interval: 1ms\n', 'c.yaml', systems)).toThrow(/Did you mean `profile`\?/);
    const path = configFile('load.yaml', 'profile:\n  interval: 20ms\n  cycle: 2s\n');
    expect(loadProfileConfig({ env: { FLOTILLA_CONFIG: path } })).toEqual({ intervalMs: 20, cycleMs: 2000 });
  });
});

describe('workers read the profile section as they start', () => {
  async function withConfig<T>(text: string, body: () => Promise<T>): Promise<T> {
    const before = process.env.FLOTILLA_CONFIG;
    process.env.FLOTILLA_CONFIG = configFile(`cluster-${Math.random().toString(36).slice(2)}.yaml`, text);
    try {
      return await body();
    } finally {
      if (before === undefined) delete process.env.FLOTILLA_CONFIG;
      else process.env.FLOTILLA_CONFIG = before;
    }
  }
  const spin = (n: number) => {
    let x = 0;
    for (let i = 0; i < n; i++) x = (x + i) % 1_000_003;
    return x;
  };

  it('interval sets the sampling interval; enabled: false turns it off; the option wins over the file', async () => {
    await withConfig('profile:\n  interval: 4ms\n', () => withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      await client.gather(client.submit(spin, 2_000_000));
      expect((await client.profile()).intervalMs).toBe(4);
    }));
    await withConfig('profile:\n  enabled: false\n', () => withCluster({ nWorkers: 1, threadsPerWorker: 1 }, async ({ client }) => {
      await client.gather(client.submit(spin, 1_000));
      await expect(client.profile()).rejects.toThrow(/profiling is off on this worker .*profile section of the config file/);
    }));
    await withConfig('profile:\n  enabled: false\n', () => withCluster({ nWorkers: 1, threadsPerWorker: 1, profileIntervalMs: 7 }, async ({ client }) => {
      await client.gather(client.submit(spin, 2_000_000));
      expect((await client.profile()).intervalMs).toBe(7);
    }));
  }, 90_000);
});
