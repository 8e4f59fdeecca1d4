#!/usr/bin/env node
/**
 * flotilla-scheduler [--host HOST] [--port PORT] [--address-file FILE] [--security-file FILE | --no-security]
 *
 * Starts a scheduler and prints `flotilla scheduler listening at tcp://HOST:PORT` once it listens.
 * Runs until SIGTERM or SIGINT.
 *
 * Authenticated by default: only peers holding the keys of its security file (CURVE) get in. The file
 * is `--security-file FILE`, else `FLOTILLA_SECURITY_FILE`, else `~/.flotilla/security.json`; a file that
 * does not exist is created (mode 0600). Workers and clients pass the same file. `--no-security` lets
 * anyone who reaches the port in, and says so.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SchedulerServer } from '../scheduler/server.js';
import { defaultDashboardAddress, startDashboard } from '../dashboard/index.js';
import { defaultSecurityFile, openOrCreateCredentialsFile, type CurveCredentials } from '../transport/security.js';

const usage = 'usage: flotilla-scheduler [--host HOST] [--port PORT] [--address-file FILE] [--security-file FILE | --no-security] [--dashboard-address PORT|HOST:PORT|false]';
function fail(message: string): never {
  process.stderr.write(`flotilla-scheduler: ${message}\n${usage}\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  values = parseArgs({
    options: {
      host: { type: 'string' }, port: { type: 'string' }, 'address-file': { type: 'string' },
      'security-file': { type: 'string' }, 'no-security': { type: 'boolean' }, 'dashboard-address': { type: 'string' }, help: { type: 'boolean' },
    },
  }).values;
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  process.stdout.write(usage + '\n');
  process.exit(0);
}
const port = values.port === undefined ? 8786 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port expects a port number 0-65535, got ${JSON.stringify(values.port)}`);
const host = (values.host as string | undefined) ?? '127.0.0.1';
if (values['no-security'] && values['security-file'] !== undefined) fail('--security-file and --no-security contradict each other: pass one');
let security: CurveCredentials | undefined;
let securityFile: string | undefined;
if (values['no-security']) {
  process.stderr.write(`flotilla-scheduler: WARNING: --no-security: anyone who can reach ${host}:${port === 0 ? '<port>' : port} can register as a worker ` +
    '(and receive your tasks and data) or connect as a client (and run code as you). Leave the flag out to require the keys of a security file.\n');
} else {
  securityFile = (values['security-file'] as string | undefined) ?? defaultSecurityFile();
  try {
    const opened = openOrCreateCredentialsFile(securityFile);
    security = opened.credentials;
    if (opened.created) process.stderr.write(`flotilla-scheduler: made new keys in ${securityFile} (mode 0600)\n`);
  } catch (error) {
    fail((error as Error).message);
  }
}

let server: SchedulerServer;
try {
  server = await SchedulerServer.start({ host, port, security });
} catch (error) {
  fail(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
}
const dashboardAddress = values['dashboard-address'] as string | undefined;
let dashboard: Awaited<ReturnType<typeof startDashboard>>;
try {
  dashboard = await startDashboard(server, {
    address: dashboardAddress === 'false' ? false : (dashboardAddress ?? defaultDashboardAddress()),
    log: (line) => process.stderr.write(`flotilla-scheduler: ${line}\n`),
  });
} catch (error) {
  await server.close();
  fail(`--dashboard-address: ${(error as Error).message}`);
}
const addressFile = values['address-file'] as string | undefined;
if (addressFile) writeFileSync(addressFile, server.address + '\n');
process.stdout.write(`flotilla scheduler listening at ${server.address}\n`);
if (securityFile) process.stdout.write(`flotilla security file ${securityFile} (start workers with --security-file ${securityFile}; clients: FLOTILLA_SECURITY_FILE or { security })\n`);
if (dashboard) process.stdout.write(`flotilla dashboard at ${dashboard.url}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await dashboard?.close();
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
