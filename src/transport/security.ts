/**
 * CURVE authentication for scheduler links. A cluster makes one server key pair and one client key pair;
 * whoever holds the credentials file (mode 0600) can connect, anyone else is refused by the handshake.
 */
import * as zmq from 'zeromq';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigurationError } from '../errors/index.js';

export interface CurveCredentials {
  serverPublicKey: string;
  serverSecretKey: string;
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

export function serverCurveOptions(c: CurveCredentials): Partial<zmq.Router> {
  return { curveServer: true, curveSecretKey: c.serverSecretKey, curvePublicKey: c.serverPublicKey } as Partial<zmq.Router>;
}

export function clientCurveOptions(c: CurveCredentials): Partial<zmq.Dealer> {
  return {
    curveServerKey: c.serverPublicKey,
    curvePublicKey: c.clientPublicKey,
    curveSecretKey: c.clientSecretKey,
  } as Partial<zmq.Dealer>;
}

/** Writes the credentials readable by the owner only (0600). */
export function writeCredentialsFile(path: string, credentials: CurveCredentials): void {
  writeFileSync(path, JSON.stringify(credentials), { mode: 0o600 });
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
  for (const field of ['serverPublicKey', 'serverSecretKey', 'clientPublicKey', 'clientSecretKey'] as const) {
    if (typeof c[field] !== 'string') throw new ConfigurationError(`security file ${path} has no \`${field}\``);
  }
  return c as CurveCredentials;
}
