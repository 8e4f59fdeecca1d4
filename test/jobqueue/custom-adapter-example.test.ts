/**
 * The adapter examples run: the "write your own adapter" one writes its own directive and refuses a
 * misspelt option of its own; the other prints the HTCondor, OAR and Moab headers.
 */
import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { distFile } from '../../src/util/package-paths.js';

/** Runs a compiled example and returns what it printed, failing with its stderr if it did not exit with 0. */
function runExample(file: string): string {
  const run = spawnSync(process.execPath, [distFile(file)], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

test('examples/custom-adapter: the site adapter adds its directive, and its own option is checked', () => {
  const stdout = runExample('examples/custom-adapter.js');
  expect(stdout).toContain('--- SiteCluster job header ---\n#SBATCH -J flotilla-worker\n');
  expect(stdout).toContain('#SBATCH -t 00:20:00\n#SBATCH --reservation=maintenance-week\n---');
  expect(stdout).toContain('submit command: site-sbatch <script>');
  expect(stdout).toContain('units: 8 GB is 8000000000 bytes (SLURM 8G, PBS 7630MB); 01:30:00 is 5400 s (01:30:00, 01:30)\nresolved: 1 process(es) × 4 threads, 8G each\n');
  expect(stdout).toContain('a misspelt option: new SiteCluster(…): unknown option `reservaton`. Did you mean `reservation`?');
});

test('examples/more-batch-systems: the HTCondor, OAR and Moab headers for one job', () => {
  const stdout = runExample('examples/more-batch-systems.js');
  expect(stdout).toContain('--- HTCondorCluster (condor_submit) ---\nbatch_name = flotilla-worker\nRequestCpus = 4\nRequestMemory = 7630\nRequestDisk = 9765625\n');
  expect(stdout).toContain('--- OARCluster (oarsub -S) ---\n#OAR -n flotilla-worker\n#OAR --project physics\n#OAR -l /nodes=1/core=4,walltime=00:20:00\n');
  expect(stdout).toContain('#OAR -p memcore>=1908\n');
  expect(stdout).toContain('--- MoabCluster (msub) ---\n#PBS -N flotilla-worker\n#PBS -A physics\n#PBS -l select=1:ncpus=4:mem=7630MB\n#PBS -l walltime=00:20:00\n');
});
