/**
 * Authentication of job-queue clusters, with real processes on the `local` adapter: per-cluster keys in
 * a 0600 file in the shared directory, a client or worker without them is refused, and `security: false`
 * turns it all off.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { AuthenticationError } from '../../src/errors/index.js';
import type { ClusterHandle } from '../../src/cluster/cluster-handle.js';
import { LocalJobCluster } from '../../src/jobqueue-cluster/index.js';
import { readCredentialsFile } from '../../src/transport/security.js';
import { isolatedContext, makeTemporaryDirectory, waitFor } from './helpers.js';

const WORKER_CLI = fileURLToPath(new URL('../../dist/src/cli/worker.js', import.meta.url));

/** Starts the worker CLI by hand and resolves with its exit code (bounded). */
function runWorker(args: readonly string[], timeoutMs: number): { exited: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, [WORKER_CLI, ...args], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the worker did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { exited, kill: () => child.kill('SIGTERM') };
}

describe('security on (the default)', () => {
  const directory = makeTemporaryDirectory();
  const shared = join(directory.path, 'shared');
  let cluster: LocalJobCluster;

  beforeAll(async () => {
    cluster = new LocalJobCluster(
      { cores: 1, memory: '512 MB', host: '127.0.0.1', logDirectory: join(directory.path, 'logs'), sharedDirectory: shared, statusPollMs: 500 },
      isolatedContext(directory.path),
    );
    await cluster.ready;
  });
  afterAll(async () => {
    await cluster.close();
    directory.remove();
  });

  test('the keys are written to a file only the user can read, in the shared directory, and named in the job script', () => {
    const file = cluster.securityFile!;
    expect(file.startsWith(`${shared}/.flotilla-security-LocalJobCluster-`)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The workers' file holds what a client needs, never the scheduler's secret key.
    const { serverSecretKey, ...clientPart } = cluster.security!;
    expect(serverSecretKey).toMatch(/^.{40}$/);
    expect(readCredentialsFile(file)).toEqual(clientPart);
    expect(cluster.jobScript()).toContain(` --security-file ${file}`);
  });

  test('a client holding another key pair, even with the server public key, is refused by ZAP', async () => {
    const { makeCurveCredentials } = await import('../../src/transport/security.js');
    const stranger = makeCurveCredentials();
    const intruder = await Client.connect(
      { ready: Promise.resolve(), schedulerAddress: cluster.schedulerAddress, close: async () => {},
        security: { ...stranger, serverPublicKey: cluster.security!.serverPublicKey } },
      { timeoutMs: 1_000 },
    ).catch((error: unknown) => error as Error);
    expect(intruder).toBeInstanceOf(AuthenticationError);
    expect((intruder as Error).message).toContain("refused this connection's key in the CURVE handshake");
  });

  test('a client without the keys is refused with an AuthenticationError; one with them connects over the network', async () => {
    const plain = Client.connect(cluster.schedulerAddress, { timeoutMs: 5_000 });
    await expect(plain).rejects.toBeInstanceOf(AuthenticationError);

    // A handle without openLocalLink: the client must dial the scheduler's TCP address with the keys.
    const remote: ClusterHandle = { ready: cluster.ready, schedulerAddress: cluster.schedulerAddress, security: cluster.security!, close: async () => undefined };
    const client = await Client.connect(remote, { timeoutMs: 5_000 });
    expect(client.schedulerAddress).toBe(cluster.schedulerAddress);
    await client.close();
  });

  test('a worker without the key file never registers and exits with code 3; with it, it registers', { timeout: 30_000 }, async () => {
    const joined: string[] = [];
    cluster.scheduler.on('worker-added', (worker) => joined.push(worker.name));

    const intruder = runWorker([cluster.schedulerAddress, '--name', 'intruder', '--death-timeout', '2'], 20_000);
    expect(await intruder.exited).toBe(3); // refused in the CURVE handshake
    expect(joined).not.toContain('intruder');

    const insider = runWorker(
      [cluster.schedulerAddress, '--name', 'insider', '--death-timeout', '2', '--security-file', cluster.securityFile!],
      20_000,
    );
    await waitFor('the worker with the key file to register', () => (joined.includes('insider') ? true : undefined), { timeoutMs: 15_000 });
    insider.kill();
    await insider.exited;
  });

  test('close() removes the key file', async () => {
    const file = cluster.securityFile!;
    await cluster.close();
    expect(existsSync(file)).toBe(false);
  });
});

describe('security: false', () => {
  test('no key file, no --security-file in the script; a plain client and the workers connect', async () => {
    const directory = makeTemporaryDirectory();
    const cluster = new LocalJobCluster(
      { cores: 1, memory: '512 MB', host: '127.0.0.1', logDirectory: join(directory.path, 'logs'), security: false, statusPollMs: 500 },
      isolatedContext(directory.path),
    );
    try {
      await cluster.ready;
      expect(cluster.securityFile).toBeUndefined();
      expect(cluster.security).toBeUndefined();
      expect(cluster.jobScript()).not.toContain('--security-file');
      const client = await Client.connect(cluster.schedulerAddress, { timeoutMs: 5_000 });
      await client.close();

      await cluster.scale(1);
      await waitFor('the worker to register without keys', () => (cluster.workerCount === 1 ? true : undefined), { timeoutMs: 20_000 });
    } finally {
      await cluster.close();
      directory.remove();
    }
  });
});
