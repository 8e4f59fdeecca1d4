/**
 * Hashing of one piece of data, for keys computed per task or per part: one-shot `crypto.hash`
 * (Node 20.12+) is about twice as fast as a `createHash` chain for short inputs; older Node 20 falls
 * back to the chain, with the same result.
 */
import * as crypto from 'node:crypto';

const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex' | 'base64') => string }).hash;

/** The `algorithm` digest of `data` (a string is hashed as UTF-8), in `encoding`. */
export function digest(algorithm: string, data: string | Uint8Array, encoding: 'hex' | 'base64'): string {
  if (oneShot !== undefined) return oneShot(algorithm, data, encoding);
  return crypto.createHash(algorithm).update(data).digest(encoding);
}

/** Whether `digest` runs one-shot here (else a chain over several pieces costs no more than joining them). */
export const digestIsOneShot = oneShot !== undefined;
