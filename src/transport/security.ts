/**
 * CURVE authentication for scheduler links. A cluster makes one server key pair and one client key pair.
 * The scheduler accepts only the client key (ZAP, see zap.ts); whoever holds the credentials file
 * (mode 0600) can connect, anyone else is refused during the handshake. The file handed to workers
 * does not contain the server's secret key.
 */
import * as zmq from 'zeromq';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
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

export function readCredentialsFile(path: string): CurveCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
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
