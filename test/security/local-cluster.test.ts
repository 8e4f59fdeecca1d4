/**
 * A LocalCluster only its owner can reach: Unix sockets in a 0700 directory by default, TCP with the
 * cluster's own CURVE keys (0600 file for the workers) when a host or port is given. The other local
 * user's side of this is in second-user.test.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { withCluster } from '../support/with-cluster.js';
import { runExample } from '../support/run-example.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('LocalCluster endpoints', () => {
  for (const processes of [true, false]) {
    it(`listens on Unix sockets in a private directory by default (processes: ${processes})`, async () => {
      let directory = '';
      await withCluster({ processes }, async ({ client, cluster }) => {
        expect(cluster.schedulerAddress).toMatch(/^ipc:\/\/\/.+\/scheduler$/);
        directory = dirname(cluster.schedulerAddress.slice('ipc://'.length));
        expect(mode(directory)).toBe(0o700);
        expect(statSync(directory).uid).toBe(process.getuid!());
        expect(cluster.security).toBeUndefined();
        const workers = cluster.scheduler.workerSummaries();
        expect(workers).toHaveLength(2);
        for (const worker of workers) expect(dirname(worker.address.slice('ipc://'.length))).toBe(directory);
        // Results travel worker → client directly (who-has, then a fetch from the worker's socket).
        const big = client.submit((n: number) => new Float64Array(n).fill(1), 200_000);
        expect((await big).length).toBe(200_000);
        // Another client of the same user, over the socket rather than the in-process link.
        const other = await Client.connect(cluster.schedulerAddress, { timeoutMs: 10_000 });
        try {
          expect(await other.submit((x: number) => x * 2, 21)).toBe(42);
        } finally {
          await other.close();
        }
      });
      expect(existsSync(directory)).toBe(false);
    });
  }

  it('turns on CURVE when a host is given, handing the keys to workers in a 0600 file', async () => {
    await withCluster({ host: '127.0.0.1' }, async ({ client, cluster }) => {
      expect(cluster.schedulerAddress).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(cluster.security?.clientPublicKey).toHaveLength(40);
      expect(cluster.scheduler.workerSummaries()).toHaveLength(2);
      for (const worker of cluster.scheduler.workerSummaries()) expect(worker.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
      const big = client.submit((n: number) => new Float64Array(n).fill(2), 200_000);
      expect((await big)[199_999]).toBe(2);
      const pids = cluster.workerPids;
      expect(pids).toHaveLength(2);
      const args = readFileSync(`/proc/${pids[0]}/cmdline`, 'utf8').split('\0');
      const file = args[args.indexOf('--security-file') + 1]!;
      expect(mode(file)).toBe(0o600);
      expect(mode(dirname(file))).toBe(0o700);
      expect(readFileSync(file, 'utf8')).not.toContain('serverSecretKey');
    });
  });
});

describe('examples/secure-cluster', () => {
  it('shows the private default, CURVE with a host, and a keyless client refused by name', async () => {
    const { code, output } = await runExample('examples/secure-cluster.js');
    expect(code, output).toBe(0);
    expect(output).toContain('default LocalCluster: a Unix socket in a 0700 directory');
    expect(output).toMatch(/with host 127\.0\.0\.1: tcp:\/\/127\.0\.0\.1:\d+, CURVE keys: yes/);
    expect(output).toMatch(/a client without keys: AuthenticationError: tcp:\/\/127\.0\.0\.1:\d+ requires authentication \(CURVE\)/);
    expect(output).toContain("with the cluster's keys: 6 × 7 = 42");
  }, 60_000);
});
