/**
 * The line in the job script that starts the worker: this package's `flotilla-worker` CLI, run by
 * the configured Node, with the job's share of threads and memory.
 */
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchSystem } from './batch-system.js';
import type { JobQueueOptions } from './options.js';
import type { ResolvedJobOptions } from './resolved-options.js';
import { shellCommand } from '../util/shell-quote.js';

/** Per-job values of the worker command that the cluster decides. */
export interface WorkerCommandParameters {
  /** The scheduler's address, e.g. `'tcp://10.1.2.3:8786'`. */
  readonly schedulerAddress: string;
  /**
   * The worker name (with several processes the worker CLI appends `-0`, `-1`, …).
   * @defaultValue `<cluster name>-$<job id variable>`, e.g. `SLURMCluster-$SLURM_JOB_ID`, expanded in the job
   */
  readonly workerName?: string;
  /** A file (mode 0600, on the shared filesystem) with the keys the worker needs to reach the scheduler. */
  readonly securityFile?: string;
}

/**
 * Absolute path of the compiled worker CLI (`dist/src/cli/worker.js`) of this package, which job
 * scripts run on compute nodes through the shared filesystem.
 *
 * Compiled, this module is `dist/src/jobqueue/worker-command.js`, so the CLI is `../cli/worker.js`
 * next to it. Under vitest the TypeScript source runs from `src/jobqueue/`, where no `.js` CLI
 * exists: then the path is moved into `dist/` (the last `/src/` becomes `/dist/src/`), which is where
 * `npm run build` puts it.
 */
export function workerCliPath(moduleUrl: string = import.meta.url): string {
  const path = fileURLToPath(new URL('../cli/worker.js', moduleUrl));
  if (!moduleUrl.endsWith('.ts')) return path;
  const at = path.lastIndexOf(`${sep}src${sep}`);
  return at < 0 ? path : `${path.slice(0, at)}${sep}dist${path.slice(at)}`;
}

/**
 * The worker command line, quoted for bash (`$NAME` references expand in the job, everything else is
 * literal):
 * `[workerCommand…] <node> <cli> <scheduler> --name <name> --nthreads <T> --memory-limit <bytes> --nworkers <P>
 *  --death-timeout <s> [--local-directory D] [--lifetime S --lifetime-stagger S] --job-id "$<JOB_ID>"
 *  [--interface I] [--restarts N] [--security-file F] [workerExtraArgs…]`.
 */
export function buildWorkerCommand<O extends JobQueueOptions>(
  system: BatchSystem<O>,
  job: ResolvedJobOptions<O>,
  parameters: WorkerCommandParameters,
): string {
  const jobIdReference = `$${system.jobIdVariable}`;
  const words = [
    ...job.nodeExecutable,
    workerCliPath(),
    parameters.schedulerAddress,
    '--name',
    parameters.workerName ?? `${job.name}-${jobIdReference}`,
    '--nthreads',
    String(job.threadsPerProcess),
    '--memory-limit',
    String(job.memoryPerProcessBytes),
    '--nworkers',
    String(job.processes),
    '--death-timeout',
    String(job.deathTimeout),
  ];
  if (job.localDirectory !== undefined) words.push('--local-directory', job.localDirectory);
  if (job.lifetimeSeconds !== null) {
    words.push('--lifetime', String(job.lifetimeSeconds), '--lifetime-stagger', String(job.lifetimeStaggerSeconds ?? 0));
  }
  words.push('--job-id', jobIdReference);
  if (job.workerInterface !== undefined) words.push('--interface', job.workerInterface);
  if (job.workerRestarts !== undefined) words.push('--restarts', String(job.workerRestarts));
  if (parameters.securityFile !== undefined) words.push('--security-file', parameters.securityFile);
  words.push(...job.workerExtraArgs);
  const command = shellCommand(words);
  if (job.workerCommand === undefined) return command;
  // A string wrapper is shell text, written as it is; a list is quoted word by word.
  const wrapper = typeof job.workerCommand === 'string' ? job.workerCommand.trim() : shellCommand(job.workerCommand);
  return `${wrapper} ${command}`;
}
