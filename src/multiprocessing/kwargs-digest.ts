/**
 * The digest of a keyword set, recorded with each success in the run journal: a resumed run reuses
 * an entry only when its keyword set is the same as when it ran.
 */
import { inspect } from 'node:util';
import { digest } from '../util/digest.js';
import { canonicalJson } from './canonical-json.js';

/**
 * A SHA-256 of the keyword set's canonical JSON (key order does not matter), or, for values JSON
 * cannot hold (a Date, a typed array, undefined), of its full, key-sorted `util.inspect` text.
 */
export function kwargsDigest(kwargs: object): string {
  let text: string;
  try {
    text = `json:${canonicalJson(kwargs)}`;
  } catch {
    const shown = inspect(kwargs, {
      depth: Infinity,
      sorted: true,
      breakLength: Infinity,
      maxArrayLength: Infinity,
      maxStringLength: Infinity,
      compact: true,
      showHidden: false,
    });
    text = `inspect:${shown}`;
  }
  return digest('sha256', text, 'hex');
}
