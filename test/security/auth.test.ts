/**
 * Authentication at the scheduler: clients and workers without the keys, or with the wrong ones, are
 * refused with an AuthenticationError naming the problem (never a bare time-out), a refused worker
 * exits non-zero, and `register` is checked: fields required, a live worker's name not taken over,
 * while a worker restarted under its old name still gets back in.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, Client, SchedulerServer } from '../../src/index.js';
import { DealerLink, RouterEndpoint } from '../../src/transport/endpoints.js';
import { PeerPool } from '../../src/transport/peer-pool.js';
import { Logger } from '../../src/util/logger.js';
import { makeCurveCredentials, peerCredentials, writeCredentialsFile, type CurveCredentials } from '../../src/transport/security.js';
import { distFile } from '../../src/util/package-paths.js';
import { waitUntil } from '../support/with-cluster.js';

const directory = mkdtempSync(join(tmpdir(), 'flotilla-auth-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface Run {
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  pid: number;
  stdout: () => string;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs a CLI of ours; killed (and the test failed by the rejection) if it outlives `timeoutMs`. */
function run(cli: 'worker' | 'scheduler', args: string[], timeoutMs = 20_000, env: NodeJS.ProcessEnv = process.env): Run {
  const child = spawn(process.execPath, [distFile(`src/cli/${cli}.js`), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`flotilla-${cli} ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { exited, pid: child.pid!, stdout: () => stdout, kill: (signal = 'SIGTERM') => child.kill(signal) };
}

function keyFile(name: string, credentials: CurveCredentials, forClients = true): string {
  const path = join(directory, name);
  writeCredentialsFile(path, credentials, { forClients });
  return path;
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(() => undefined, (error: unknown) => error as Error);
  if (!outcome) throw new Error('expected a refusal, but it connected');
  return outcome;
}

describe('a secured scheduler', () => {
  const keys = makeCurveCredentials();
  const stranger = makeCurveCredentials();
  let scheduler: SchedulerServer;
  const joined: string[] = [];

  beforeAll(async () => {
    scheduler = await SchedulerServer.start({ security: keys });
    scheduler.on('worker-added', (w) => joined.push(w.name));
  });
  afterAll(() => scheduler.close());

  it('refuses clients without keys, with another key pair, or expecting another server, naming authentication', async () => {
    const started = Date.now();
    const none = await refusal(Client.connect(scheduler.address, { timeoutMs: 10_000 }));
    expect(none).toBeInstanceOf(AuthenticationError);
    expect(none.message).toMatch(/requires authentication \(CURVE\).*--security-file/);
    const otherPair = await refusal(Client.connect(scheduler.address, { timeoutMs: 10_000, security: { ...stranger, serverPublicKey: keys.serverPublicKey } }));
    expect(otherPair).toBeInstanceOf(AuthenticationError);
    expect(otherPair.message).toContain("refused this connection's key");
    const otherServer = await refusal(Client.connect(scheduler.address, { timeoutMs: 10_000, security: { ...keys, serverPublicKey: stranger.serverPublicKey } }));
    expect(otherServer).toBeInstanceOf(AuthenticationError);
    expect(otherServer.message).toContain("the server's public key in this security file is not the key of the server");
    // Said at once, not after the time-out.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(scheduler.view.clients.size).toBe(0);

    const client = await Client.connect(scheduler.address, { timeoutMs: 10_000, security: keyFile('client.json', keys) });
    expect(scheduler.view.clients.size).toBe(1);
    await client.close();
  });

  it('refuses workers without keys or with the wrong ones: they exit with code 3 and say why; one with the file joins', async () => {
    const without = run('worker', [scheduler.address, '--name', 'keyless', '--death-timeout', '20']);
    const wrong = run('worker', [scheduler.address, '--name', 'wrong-key', '--death-timeout', '20', '--security-file',
      keyFile('wrong.json', { ...stranger, serverPublicKey: keys.serverPublicKey })]);
    for (const [refused, pattern] of [[without, /requires authentication/], [wrong, /refused this connection's key/]] as const) {
      const { code, stderr } = await refused.exited;
      expect(code, stderr).toBe(3);
      expect(stderr).toMatch(/flotilla-worker: AuthenticationError: /);
      expect(stderr).toMatch(pattern);
    }
    expect(joined).toEqual([]);
    expect(scheduler.workerCount).toBe(0);

    const insider = run('worker', [scheduler.address, '--name', 'insider', '--security-file', keyFile('insider.json', keys)]);
    await waitUntil(() => joined.includes('insider'), 'the worker with the key file registered');
    insider.kill();
    expect((await insider.exited).code).toBe(0);
  });

  // While the scheduler runs: its process-wide ZAP handler serves this data service too.
  it("refuses a fetch from a worker's data service with other keys at once, with an AuthenticationError instead of the 30 s time-out", async () => {
    const keys = makeCurveCredentials();
    const service = new RouterEndpoint(() => {}, peerCredentials(keys));
    const address = await service.bind('tcp://127.0.0.1:0');
    service.start(() => {}, () => {});
    const pool = new PeerPool(new Logger('test'), peerCredentials(makeCurveCredentials()));
    try {
      const started = Date.now();
      const error = await refusal(pool.getData(address, ['x'], 30_000));
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await pool.close();
      await service.close();
    }
  });

  it('refuses a key file that others may read', async () => {
    const loose = keyFile('loose.json', keys);
    const { chmodSync } = await import('node:fs');
    chmodSync(loose, 0o644);
    const { code, stderr } = await run('worker', [scheduler.address, '--security-file', loose]).exited;
    expect(code).toBe(2);
    expect(stderr).toContain(`chmod 600 ${loose}`);
  });
});

describe('a scheduler without security', () => {
  let scheduler: SchedulerServer;
  beforeAll(async () => {
    scheduler = await SchedulerServer.start({ workerTtlMs: 1_500 });
  });
  afterAll(() => scheduler.close());

  it('tells a client that brings keys that it does not use CURVE', async () => {
    const error = await refusal(Client.connect(scheduler.address, { timeoutMs: 10_000, security: makeCurveCredentials() }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('does not use CURVE');
  });

  /** A complete registration but for `overrides`. */
  function registration(overrides: object): object {
    return { name: 'x', host: 'h', address: 'tcp://127.0.0.1:1', nthreads: 1, memoryLimit: 0, resources: {}, pid: 1, localDirectory: '/tmp/x', ...overrides };
  }

  /** A raw peer that sends one `register` and collects what the scheduler answers. */
  async function rawRegister(worker: object): Promise<{ op: string; reason?: string; retry?: boolean }> {
    const link = new DealerLink(scheduler.address, `raw-${Math.random().toString(36).slice(2)}`, () => {});
    try {
      const answer = new Promise<{ op: string; reason?: string; retry?: boolean }>((resolve) => link.start((raw) => resolve((raw as [{ op: string }])[0]), () => {}));
      link.send({ op: 'register', worker });
      return await answer;
    } finally {
      await link.close();
    }
  }

  it('refuses a register without the required fields, with the reason', async () => {
    const empty = await rawRegister({});
    expect(empty).toMatchObject({ op: 'register-refused', retry: false });
    expect(empty.reason).toMatch(/worker\.name should be a string, got undefined/);
    const noThreads = await rawRegister(registration({ nthreads: 0 }));
    expect(noThreads.reason).toContain('`worker.nthreads` must be a whole number >= 1, got 0');
    const badAddress = await rawRegister(registration({ address: 'http://evil' }));
    expect(badAddress).toMatchObject({ op: 'register-refused', retry: false });
    expect(badAddress.reason).toContain('tcp:// or ipc://');
    expect(scheduler.workerCount).toBe(0);
  });

  it('refuses a second worker under a live worker\'s name, yet lets a restarted worker of that name back in', async () => {
    const first = run('worker', [scheduler.address, '--name', 'twin']);
    await waitUntil(() => scheduler.workerSummaries().some((w) => w.name === 'twin'), 'the first twin registered');
    const live = scheduler.workerSummaries().find((w) => w.name === 'twin')!;

    const impostor = await rawRegister(registration({ name: 'twin' }));
    expect(impostor).toMatchObject({ op: 'register-refused', retry: true });
    expect(impostor.reason).toContain(`a live worker is registered under the name "twin" (${live.id}`);
    expect(scheduler.workerSummaries().map((w) => w.pid)).toEqual([live.pid]);
    const client = await Client.connect(scheduler.address, { timeoutMs: 10_000 });
    try {
      expect(await client.submit(() => process.pid)).toBe(live.pid);

      // The first twin dies without a word (as under a nanny); its successor starts at once, is refused
      // while the scheduler still counts the dead one live, and gets in once it is noticed gone.
      const readded = new Promise<number>((resolve) => scheduler.on('worker-added', (w) => { if (w.name === 'twin') resolve(w.pid); }));
      first.kill('SIGKILL');
      const second = run('worker', [scheduler.address, '--name', 'twin']);
      expect(await readded).toBe(second.pid);
      expect(await client.with({ pure: false }).submit(() => process.pid)).toBe(second.pid);
      second.kill();
      expect((await second.exited).code).toBe(0);
    } finally {
      await client.close();
    }
  });
});

describe('flotilla-scheduler', () => {
  it('is authenticated by default, with a 0600 key file made on first use and named on stdout', async () => {
    const file = join(directory, 'home', '.flotilla', 'security.json');
    const scheduler = run('scheduler', ['--port', '0', '--dashboard-address', 'false'], 30_000, { ...process.env, FLOTILLA_SECURITY_FILE: file });
    await waitUntil(() => scheduler.stdout().includes('flotilla security file'), 'the scheduler printed its security file');
    const address = /listening at (\S+)/.exec(scheduler.stdout())![1]!;
    expect(scheduler.stdout()).toContain(`flotilla security file ${file} (start workers with --security-file ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty('serverSecretKey');
    expect(await refusal(Client.connect(address, { timeoutMs: 10_000 }))).toBeInstanceOf(AuthenticationError);
    const client = await Client.connect(address, { timeoutMs: 10_000, security: file });
    await client.close();
    scheduler.kill();
    expect((await scheduler.exited).code).toBe(0);
  });

  it('--no-security warns, and lets a client without keys in', async () => {
    const scheduler = run('scheduler', ['--port', '0', '--no-security', '--dashboard-address', 'false']);
    await waitUntil(() => scheduler.stdout().includes('listening at'), 'the scheduler listens');
    const address = /listening at (\S+)/.exec(scheduler.stdout())![1]!;
    const client = await Client.connect(address, { timeoutMs: 10_000, security: false });
    await client.close();
    scheduler.kill();
    const { code, stderr, stdout } = await scheduler.exited;
    expect(code).toBe(0);
    expect(stderr).toContain('WARNING: --no-security: anyone who can reach');
    expect(stdout).not.toContain('security file');
  });
});
