/**
 * Another user of the same machine (as on a shared login node) gets nowhere: cannot connect to a
 * LocalCluster's scheduler or its workers' data services, cannot read its dashboard's data without the
 * link, cannot read its key files, and cannot pass the CURVE handshake of a cluster on TCP. Needs root
 * to create that user (CI runs as root); skipped otherwise.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '../../src/index.js';
import { distFile } from '../../src/util/package-paths.js';

const INTRUDER = 'flotilla-intruder';
const isRoot = process.getuid?.() === 0;
const hasRunuser = (() => {
  try {
    execFileSync('runuser', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skipReason = !isRoot ? 'needs root to create a second local user (CI runs as root)' : !hasRunuser ? 'needs runuser (util-linux) to run as the second user' : '';

interface Findings {
  uid: number;
  sockets: Record<string, string>;
  urls: Record<string, number | string>;
  files: Record<string, string>;
  tcp?: string;
  peer?: string;
}

describe.skipIf(skipReason !== '')(`a second local user (${skipReason || 'created as root'})`, () => {
  let script = '';
  let scratch = '';
  /** flotilla's entry as the other user can import it. */
  let flotillaEntry = distFile('src/index.js');

  beforeAll(() => {
    try {
      execFileSync('id', ['-u', INTRUDER], { stdio: 'ignore' });
    } catch {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', INTRUDER]);
    }
    // The script must be readable by that user: a copy in a world-readable scratch directory.
    scratch = mkdtempSync(join(tmpdir(), 'flotilla-intruder-'));
    chmodSync(scratch, 0o755);
    script = join(scratch, 'intruder.mjs');
    copyFileSync(fileURLToPath(new URL('./fixtures/intruder.mjs', import.meta.url)), script);
    chmodSync(script, 0o644);
    // A checkout inside a private directory (a 0700 temporary folder, a home) is out of that user's
    // reach: give it a readable copy of the build and its packages, which is all the intruder imports.
    try {
      execFileSync('runuser', ['-u', INTRUDER, '--', 'test', '-r', flotillaEntry], { stdio: 'ignore' });
    } catch {
      const root = fileURLToPath(new URL('../../', import.meta.url));
      const copy = join(scratch, 'flotilla');
      for (const part of ['package.json', 'dist', 'node_modules']) cpSync(join(root, part), join(copy, part), { recursive: true });
      chmodSync(copy, 0o755);
      flotillaEntry = join(copy, 'dist', 'src', 'index.js');
    }
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Runs the intruder as the other user; asynchronously, since the cluster it probes lives in this process. */
  async function intrude(target: { sockets?: string[]; urls?: string[]; files?: string[]; tcp?: string; peer?: string }): Promise<Findings> {
    const argument = JSON.stringify({ flotilla: flotillaEntry, sockets: [], urls: [], files: [], ...target });
    const { stdout } = await promisify(execFile)('runuser', ['-u', INTRUDER, '--', process.execPath, script, argument], { encoding: 'utf8', timeout: 30_000, cwd: scratch });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as Findings;
  }

  it('cannot reach a default LocalCluster: scheduler, workers\' data services, dashboard', async () => {
    const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: '127.0.0.1:0' });
    try {
      await cluster.ready;
      const scheduler = cluster.schedulerAddress.slice('ipc://'.length);
      const workers = cluster.scheduler.workerSummaries().map((w) => w.address.slice('ipc://'.length));
      expect(workers).toHaveLength(2);
      const link = new URL(cluster.dashboardLink!);
      const base = `${link.protocol}//${link.host}`;
      const urls = ['/status', '/api/state', '/api/task-stream', '/events'].map((path) => `${base}${path}`);
      const found = await intrude({ sockets: [scheduler, ...workers], urls: [...urls, cluster.dashboardLink!] });

      expect(found.uid).not.toBe(0);
      for (const path of [scheduler, ...workers]) expect(found.sockets[path], path).toBe('EACCES');
      for (const url of urls) expect(found.urls[url], url).toBe(403);
      // Only with the link (which only the owner was given) does the page answer.
      expect(found.urls[cluster.dashboardLink!]).toBe(200);
    } finally {
      await cluster.close();
    }
  });

  it('cannot read a TCP cluster\'s key file, and without it is refused in the CURVE handshake', async () => {
    const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1, host: '127.0.0.1', dashboardAddress: false });
    try {
      await cluster.ready;
      const [pid] = cluster.workerPids;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const keyFile = args[args.indexOf('--security-file') + 1]!;
      const workerAddress = cluster.scheduler.workerSummaries()[0]!.address;
      const found = await intrude({ files: [keyFile], tcp: cluster.schedulerAddress, peer: workerAddress });
      expect(found.files[keyFile]).toBe('EACCES');
      expect(found.tcp).toBe('AuthenticationError');
      // The worker's data service also requires the cluster's keys (CURVE, ZAP-checked).
      expect(workerAddress).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(found.peer).toBe('AuthenticationError');
      expect(cluster.scheduler.view.clients.size).toBe(0);
    } finally {
      await cluster.close();
    }
  });
});
