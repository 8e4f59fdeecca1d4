/**
 * The path of msgpackr's native string extractor (msgpackr-extract's binary for this platform), found
 * once in this process and handed to LocalCluster's worker processes in FLOTILLA_MSGPACKR_NATIVE. The
 * worker bundle loads that file directly (src/cli/msgpackr-native.ts) instead of asking
 * node-gyp-build-optional-packages and detect-libc to find it, which costs a worker process about
 * 10 ms of CPU and 7 MB of memory at start (measured: the same binary loaded by path costs 1 ms).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/** The environment variable the worker bundle reads. */
export const MSGPACKR_NATIVE_VARIABLE = 'FLOTILLA_MSGPACKR_NATIVE';
/** Variables that change which binary node-gyp-build picks: given any of them, the worker looks for itself. */
const CHOOSERS = ['LIBC', 'PREBUILDS_ONLY', 'MSGPACKR_EXTRACT_PREBUILD', 'npm_config_arch', 'npm_config_platform'];

let found: string | null | undefined;

/**
 * `{ FLOTILLA_MSGPACKR_NATIVE: path }`, or nothing when `extra` (the cluster's `env`) sets a variable
 * that would make node-gyp-build choose another binary, or when there is no binary to find.
 */
export function msgpackrNativeHint(extra: Record<string, string> = {}): Record<string, string> {
  if (CHOOSERS.some((name) => extra[name] !== undefined && extra[name] !== process.env[name])) return {};
  if (found === undefined) {
    found = null;
    try {
      // Resolved from msgpackr, as msgpackr itself requires it, with the finder it uses.
      const fromMsgpackr = createRequire(createRequire(import.meta.url).resolve('msgpackr'));
      const index = fromMsgpackr.resolve('msgpackr-extract');
      const finder = createRequire(index)('node-gyp-build-optional-packages') as { path(dir: string): string };
      found = finder.path(dirname(index));
    } catch {
      // No native extractor here (an optional dependency): the workers find out for themselves, as before.
    }
  }
  return found === null ? {} : { [MSGPACKR_NATIVE_VARIABLE]: found };
}
