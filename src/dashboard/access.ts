/**
 * Who may read the dashboard: whoever has its link, which carries an unguessable token; requests
 * without it are refused, on loopback too (every user of a shared login node can reach a loopback port): the
 * page shows task keys, host names and job ids, which other users of a shared network need not see.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export class AccessToken {
  /** 32 random bytes, URL-safe: 256 bits, not guessable. */
  readonly value = randomBytes(32).toString('base64url');
  readonly #bytes = Buffer.from(this.value);

  /** Compares in constant time, so response timing tells nothing about the token. */
  matches(candidate: string | null): boolean {
    if (candidate === null) return false;
    const bytes = Buffer.from(candidate);
    return bytes.length === this.#bytes.length && timingSafeEqual(bytes, this.#bytes);
  }
}
