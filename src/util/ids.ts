import { randomBytes } from 'node:crypto';

/** A short random id for links and requests (not a secret). */
export function shortId(): string {
  return randomBytes(6).toString('hex');
}
