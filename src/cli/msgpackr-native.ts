/**
 * What `require('msgpackr-extract')` gives msgpackr inside the worker bundle (an alias set in
 * scripts/bundle-worker.mjs): the native string extractor loaded straight from the path LocalCluster
 * found (FLOTILLA_MSGPACKR_NATIVE, see src/cluster/msgpackr-native-hint.ts), else msgpackr-extract
 * itself, which looks for its binary. msgpackr catches a failure and decodes in JavaScript, as always.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

function extractor(): { extractStrings: unknown } {
  const path = process.env.FLOTILLA_MSGPACKR_NATIVE;
  if (path) {
    try {
      return load(path) as { extractStrings: unknown };
    } catch {
      // A stale path (the package moved since the cluster started): let msgpackr-extract look.
    }
  }
  return load('msgpackr-extract') as { extractStrings: unknown };
}

/** msgpackr-extract's one export that msgpackr uses. */
export const extractStrings = extractor().extractStrings;
