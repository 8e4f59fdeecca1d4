/**
 * Writing your own batch-system adapter: one object with the system's directives, commands and
 * option schema, and `clusterClass(adapter)` for its cluster class. Here a site that submits SLURM
 * jobs through its own wrapper `site-sbatch`, wants every job in a reservation, and prints job ids as
 * "sbatch: Submitted batch job 42" (as site wrappers do). Run it anywhere, no batch system needed:
 *
 *   npm run build && node dist/examples/custom-adapter.js
 *
 * It prints the job script of the new cluster class and the error a misspelt option gets, then
 * closes without submitting. A whole adapter for another system has the same fields: see
 * `cluster-adapters/oar.ts` or `cluster-adapters/moab.ts` (Moab is PBS with other commands).
 */
import {
  ConfigurationError, clusterClass, formatPbsBytes, formatSlurmBytes, formatWalltimeHM, formatWalltimeHMS, parseBytes, parseWalltime, resolveJobOptions, slurm,
  type BatchSystem, type SLURMJobOptions, type SystemOptionSchema,
} from 'flotilla';

/** The options of the site's jobs: SLURM's, plus the reservation every job must name. */
interface SiteJobOptions extends SLURMJobOptions {
  /** The reservation (`#SBATCH --reservation=…`). Required by the site. */
  reservation?: string;
}

/** How the site's own options are checked: SLURM's, plus `reservation` (a string). */
const SITE_OPTIONS = { ...slurm.options, reservation: { kind: 'string' } } as const satisfies SystemOptionSchema<SiteJobOptions>;

/** The adapter: SLURM's directives plus the reservation, submitted with the site's wrapper. */
const siteSlurm = {
  ...slurm,
  name: 'site',
  clusterName: 'SiteCluster',
  options: SITE_OPTIONS,
  directives: (job) => [...slurm.directives(job), ...(job.reservation === undefined ? [] : [`--reservation=${job.reservation}`])],
  submitCommand: () => ['site-sbatch'],
} satisfies BatchSystem<SiteJobOptions>;

/** The cluster class of the site, as `SLURMCluster` is the one of `slurm`. */
const SiteCluster = clusterClass<SiteJobOptions>(siteSlurm);

const cluster = new SiteCluster(
  { cores: 4, memory: '8 GB', walltime: '00:20:00', reservation: 'maintenance-week', logDirectory: '/tmp/site-logs', dashboardAddress: false, security: false },
  { config: { path: null, jobqueue: {} }, env: {} },
);
try {
  await cluster.ready;
  console.log(`--- ${cluster.name} job header ---\n${cluster.jobHeader}\n---`);
  console.log(`submit command: ${siteSlurm.submitCommand().join(' ')} <script>`);
  // The unit helpers a directive function uses: parse the user's values, format them as the system wants.
  const job = resolveJobOptions(siteSlurm, { cores: 4, memory: '8 GB', walltime: '00:20:00' }, { config: { path: null, jobqueue: {} }, env: {} });
  const bytes = parseBytes('8 GB');
  const seconds = parseWalltime('01:30:00');
  console.log(`units: 8 GB is ${bytes} bytes (SLURM ${formatSlurmBytes(bytes)}, PBS ${formatPbsBytes(bytes)}); 01:30:00 is ${seconds} s (${formatWalltimeHMS(seconds)}, ${formatWalltimeHM(seconds)})`);
  console.log(`resolved: ${job.processes} process(es) × ${job.threadsPerProcess} threads, ${formatSlurmBytes(job.memoryPerProcessBytes)} each`);
  try {
    new SiteCluster({ cores: 4, memory: '8 GB', reservaton: 'x' } as SiteJobOptions, { config: { path: null, jobqueue: {} }, env: {} });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    console.log(`a misspelt option: ${error.message.split(' Valid')[0]}`);
  }
} finally {
  await cluster.close();
}
