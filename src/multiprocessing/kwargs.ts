/** Checking the keyword sets, and adding `index` and `parentTmpDir` to each. */
import { ConfigurationError } from '../errors/index.js';
import type { WrapperKwargs } from './types.js';

const INJECTED_KEYS = ['index', 'parentTmpDir'] as const;
const MAX_LISTED_PROBLEMS = 5;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'a class'}`;
  return `a ${typeof value}`;
}

/**
 * Checks that `kwargsList` is an array of plain objects none of which already has `index` or
 * `parentTmpDir` (functionMultiprocessing sets those; a caller's own value would be silently
 * replaced, so it is refused instead).
 *
 * @throws ConfigurationError listing the offending positions and how to fix them.
 */
export function checkKwargsList(kwargsList: unknown): asserts kwargsList is readonly Record<string, unknown>[] {
  if (!Array.isArray(kwargsList)) {
    throw new ConfigurationError(`functionMultiprocessing: kwargsList must be an array of plain objects, received ${describe(kwargsList)}.`);
  }
  const problems: string[] = [];
  let count = 0;
  kwargsList.forEach((kwargs: unknown, position) => {
    let problem: string | undefined;
    if (!isPlainObject(kwargs)) {
      problem = `kwargsList[${position}] is ${describe(kwargs)}, not a plain object; pass { key: value, ... } (it is sent to workers as data)`;
    } else {
      const clashes = INJECTED_KEYS.filter((key) => Object.hasOwn(kwargs, key));
      if (clashes.length > 0) {
        problem =
          `kwargsList[${position}] already has ${clashes.map((key) => `\`${key}\``).join(' and ')}, which functionMultiprocessing sets itself ` +
          '(index = position in kwargsList, parentTmpDir = the temporary folder); rename that key (e.g. `itemIndex`)';
      }
    }
    if (problem === undefined) return;
    count++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(problem);
  });
  if (count > 0) {
    const more = count > problems.length ? ` (and ${count - problems.length} more)` : '';
    throw new ConfigurationError(`functionMultiprocessing: ${problems.join('; ')}${more}.`);
  }
}

/** The keyword set the wrapper receives: a shallow copy with `index` and `parentTmpDir` added. */
export function injectKwargs<K extends object>(kwargs: K, index: number, parentTmpDir: string): WrapperKwargs<K> {
  return { ...kwargs, index, parentTmpDir };
}
