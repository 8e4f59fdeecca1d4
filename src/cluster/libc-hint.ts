/**
 * The C library family (`glibc`, `musl`) for worker processes started on this machine, as `LIBC` in
 * their environment. msgpackr's native string extractor is found by node-gyp-build, which otherwise
 * asks detect-libc in every process and every task thread it is loaded in: about 20 ms of CPU each,
 * a tenth of a worker's start. This process has asked already (it loaded msgpackr), so the answer is
 * at hand; the workers run on the same machine, so it holds for them and for what their tasks start.
 */
import { createRequire } from 'node:module';

let hint: Record<string, string> | undefined;

/** `{ LIBC: family }`, or nothing when `LIBC` is set already or the family is unknown here. */
export function libcHint(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.LIBC !== undefined) return {};
  if (hint === undefined) {
    hint = {};
    try {
      // node-gyp-build's own dependency, loaded and cached by now; absent from some installs (no hint then).
      const { familySync } = createRequire(import.meta.url)('detect-libc') as { familySync(): string | null };
      const family = process.platform === 'linux' ? familySync() : null;
      if (family === 'glibc' || family === 'musl') hint = { LIBC: family };
    } catch {
      // Not installed next to flotilla: the workers detect it themselves, as before.
    }
  }
  return hint;
}
