/**
 * CURVE authentication for scheduler links. A cluster makes one server key pair and one client key pair.
 * The scheduler accepts only the client key (ZAP, see zap.ts); whoever holds the credentials file
 * (mode 0600) can connect, anyone else is refused during the handshake. The file handed to workers
 * does not contain the server's secret key.
 */
import * as zmq from 'zeromq';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../errors/index.js';

export interface CurveCredentials {
  serverPublicKey: string;
  /** Only the scheduler needs it; absent from the workers' file. */
  serverSecretKey?: string;
  clientPublicKey: string;
  clientSecretKey: string;
}

export function makeCurveCredentials(): CurveCredentials {
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  return {
    serverPublicKey: server.publicKey,
    serverSecretKey: server.secretKey,
    clientPublicKey: client.publicKey,
    clientSecretKey: client.secretKey,
  };
}

/** Socket options of an authenticating server; `zapDomain` ties it to its allowed client keys. */
export function serverCurveOptions(c: CurveCredentials, zapDomain: string): Partial<zmq.Router> {
  if (!c.serverSecretKey) {
    throw new ConfigurationError('these credentials have no serverSecretKey: they are a client\'s (workers\' file); a scheduler needs the full set');
  }
  return { curveServer: true, curveSecretKey: c.serverSecretKey, curvePublicKey: c.serverPublicKey, zapDomain } as Partial<zmq.Router>;
}

export function clientCurveOptions(c: CurveCredentials): Partial<zmq.Dealer> {
  return {
    curveServerKey: c.serverPublicKey,
    curvePublicKey: c.clientPublicKey,
    curveSecretKey: c.clientSecretKey,
  } as Partial<zmq.Dealer>;
}

/**
 * Writes credentials readable by the owner only (0600). `forClients` leaves out the server's secret key:
 * workers and clients need only the server's public key and the client key pair.
 */
export function writeCredentialsFile(path: string, credentials: CurveCredentials, options: { forClients?: boolean } = {}): void {
  const { serverSecretKey, ...clientPart } = credentials;
  const content = options.forClients ? clientPart : { ...clientPart, serverSecretKey };
  writeFileSync(path, JSON.stringify(content), { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Reads a security file. One that others may read (group or world bits set) is refused: its keys may
 * be known to them.
 * @throws ConfigurationError naming the file and the fix (missing, unreadable, not 0600, a field missing).
 */
export function readCredentialsFile(path: string): CurveCredentials {
  let parsed: unknown;
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigurationError(`the security file ${path} has mode ${mode.toString(8)}: other users may have read its keys. ` +
        `Make it private (chmod 600 ${path}) if nobody else could have read it, else make new keys (delete it and start the scheduler again).`);
    }
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(`cannot read the security file ${path}: ${(error as Error).message}. ` +
      'It is written by the cluster that started this scheduler (mode 0600, in its shared directory).', { cause: error });
  }
  const c = parsed as Partial<CurveCredentials>;
  for (const field of ['serverPublicKey', 'clientPublicKey', 'clientSecretKey'] as const) {
    if (typeof c[field] !== 'string') throw new ConfigurationError(`security file ${path} has no \`${field}\``);
  }
  return c as CurveCredentials;
}

/**
 * Credentials for the workers' data services (peer fetches, direct gathers). Workers do not hold the
 * scheduler's secret key, so a worker's service uses the cluster's client key pair as its server keys;
 * peers connect with the same pair, and ZAP admits only that key.
 */
export function peerCredentials(c: CurveCredentials): CurveCredentials {
  return { serverPublicKey: c.clientPublicKey, serverSecretKey: c.clientSecretKey, clientPublicKey: c.clientPublicKey, clientSecretKey: c.clientSecretKey };
}

/** Where a scheduler started without `--security-file` keeps its keys: `FLOTILLA_SECURITY_FILE`, else `~/.flotilla/security.json`. */
export function defaultSecurityFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLOTILLA_SECURITY_FILE?.trim() || join(homedir(), '.flotilla', 'security.json');
}

/**
 * The full credentials (a scheduler's) in `path`, made and written there first (mode 0600, its
 * directory created with mode 0700) when the file does not exist. Two processes making it at once
 * agree on one set: the file appears whole (written aside, then hard-linked), and the loser reads the
 * winner's.
 * @returns the credentials and whether this call created the file
 * @throws ConfigurationError when the file exists without the server's secret key (a workers' file), or cannot be written
 */
export function openOrCreateCredentialsFile(path: string): { credentials: CurveCredentials; created: boolean } {
  let created = false;
  try {
    statSync(path);
  } catch {
    const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeCredentialsFile(aside, makeCurveCredentials());
      linkSync(aside, path);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigurationError(`cannot write the security file ${path}: ${(error as Error).message}. ` +
          'Pass --security-file with a path in a directory you can write.', { cause: error });
      }
    } finally {
      rmSync(aside, { force: true });
    }
  }
  const credentials = readCredentialsFile(path);
  if (!credentials.serverSecretKey) {
    throw new ConfigurationError(`the security file ${path} holds a client's keys only (no serverSecretKey): a scheduler needs ` +
      'the full set. Give the scheduler its own file (a path that does not exist yet is created).');
  }
  return { credentials, created };
}
