/**
 * Checks of the options given through `client.with(options)`, made where they are used (`submit`, `map`,
 * `run`), so a mistyped or meaningless option fails at once with the fix instead of being ignored.
 * Apart from the Client so that the rules are read in one place; it keeps no state.
 */
import { ConfigurationError } from '../errors/index.js';
import type { RunOptions, SubmitOptions } from './options.js';

const ON_ERROR = ['raise', 'return', 'ignore'] as const;

/**
 * @throws ConfigurationError when `allowOtherWorkers` is not a boolean, or is given without `workers`
 * (there is nothing to prefer then), or `workers` is not a list of strings.
 */
export function checkSubmitOptions(options: SubmitOptions, what: string): void {
  checkWorkers(options.workers, what);
  const allow = options.allowOtherWorkers;
  if (allow === undefined) return;
  if (typeof allow !== 'boolean') {
    throw new ConfigurationError(`${what}: allowOtherWorkers must be true or false, got ${JSON.stringify(allow)}; e.g. client.with({ workers: ['gpu-node'], allowOtherWorkers: true })`);
  }
  if (options.workers === undefined) {
    throw new ConfigurationError(`${what}: allowOtherWorkers only means something with workers (the workers to prefer); add workers: [...] or leave allowOtherWorkers out`);
  }
}

/** @throws ConfigurationError when `onError` is not one of 'raise', 'return', 'ignore', or `workers` is not a list of strings. */
export function checkRunOptions(options: RunOptions): void {
  checkWorkers(options.workers, 'run');
  const onError = options.onError;
  if (onError !== undefined && !(ON_ERROR as readonly unknown[]).includes(onError)) {
    throw new ConfigurationError(`run: onError must be one of ${ON_ERROR.map((o) => `'${o}'`).join(', ')}, got ${JSON.stringify(onError)}`);
  }
}

function checkWorkers(workers: unknown, what: string): void {
  if (workers === undefined) return;
  if (!Array.isArray(workers) || workers.some((w) => typeof w !== 'string')) {
    throw new ConfigurationError(`${what}: workers must be a list of worker ids, names, hosts or addresses (strings), got ${JSON.stringify(workers)}`);
  }
}
