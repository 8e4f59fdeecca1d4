/** The "write your own adapter" example runs, writes its own directive and refuses a misspelt option of its own. */
import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { distFile } from '../../src/util/package-paths.js';

test('examples/custom-adapter: the site adapter adds its directive, and its own option is checked', () => {
  const run = spawnSync(process.execPath, [distFile('examples/custom-adapter.js')], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toContain('--- SiteCluster job header ---\n#SBATCH -J flotilla-worker\n');
  expect(run.stdout).toContain('#SBATCH -t 00:20:00\n#SBATCH --reservation=maintenance-week\n---');
  expect(run.stdout).toContain('submit command: site-sbatch <script>');
  expect(run.stdout).toContain('a misspelt option: new SiteCluster(…): unknown option `reservaton`. Did you mean `reservation`?');
});
