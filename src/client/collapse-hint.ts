/**
 * The hint Dask does not give: a `map` whose calls repeat their arguments shares keys between them
 * (pure calls, as in Dask), so fewer tasks run than calls were made. A Monte Carlo user who maps a
 * random simulation over identical arguments would otherwise get one result, copied, and a fake
 * speed-up. Said once per function per client.
 */
import { Logger } from '../util/logger.js';

/** Where the hint is written (stderr at level warn); tests add a sink. */
export const hintLog = new Logger('client');

/** Remembers which functions were already hinted about, per client. */
export class CollapseHints {
  readonly #told = new Set<string>();

  /** Logs, the first time for this function, how many of `keys` repeat an earlier one. */
  check(functionName: string, functionHash: string, keys: readonly string[]): void {
    if (this.#told.has(functionHash) || keys.length < 2) return;
    const distinct = new Set(keys).size;
    if (distinct === keys.length) return;
    this.#told.add(functionHash);
    const name = /^[A-Za-z_$][\w$]*$/.test(functionName) && functionName !== 'anonymous' ? functionName : 'fn';
    hintLog.warn(
      `map(${name}, …): ${keys.length - distinct} of ${keys.length} calls have the same arguments as an earlier call and share its key, so only ${distinct} task${distinct === 1 ? ' runs' : 's run'} ` +
        `(identical pure calls are computed once, as in Dask). To run every call, e.g. for random sampling, use client.with({ pure: false }).map(${name}, …). This is said once per function.`,
    );
  }
}
