// Run by `npm run build` after tsc: bundles the worker command (dist/src/cli/worker.js and everything it
// imports, msgpackr included) into one CommonJS file, dist/src/cli/worker-bundle.cjs, which LocalCluster
// starts its worker processes with. One file that the CommonJS loader reads costs a worker process about
// 40 ms less CPU than 59 ES modules resolved and compiled one by one (measured from exec to loaded:
// 126 → 86 ms; a bare node is 58 ms), and LocalCluster starts 16 of them on 2 cores. Native addons stay
// outside: zeromq finds its binary next to its own files, msgpackr-extract's is loaded by path
// (src/cli/msgpackr-native.ts). Without rolldown (an
// install without dev dependencies) no bundle is written and LocalCluster starts dist/src/cli/worker.js.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'dist/src/cli/worker-bundle.cjs');
rmSync(output, { force: true });

let rolldown;
try {
  rolldown = await import('rolldown');
} catch (error) {
  process.stderr.write(`bundle-worker: rolldown is not installed (${error.message}); LocalCluster will start dist/src/cli/worker.js\n`);
  process.exit(0);
}
await rolldown.build({
  input: join(root, 'dist/src/cli/worker.js'),
  platform: 'node',
  logLevel: 'warn',
  external: [/^node:/, /^zeromq(\/|$)/],
  // msgpackr's native string extractor, loaded by the path LocalCluster passes (src/cli/msgpackr-native.ts).
  resolve: { alias: { 'msgpackr-extract': join(root, 'dist/src/cli/msgpackr-native.js') } },
  output: { format: 'cjs', file: output, comments: { legal: true, annotation: false, jsdoc: false } },
});
