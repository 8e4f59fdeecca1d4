/**
 * `flotilla start-cluster`: for users who keep their own sbatch scripts. Starts the scheduler and workers
 * across the current allocation, publishes the address once the workers are ready, and stays up until
 * SIGINT or SIGTERM.
 *
 * @example
 * ```bash
 * #!/bin/bash
 * #SBATCH -N 4
 * address_file="${TMPDIR:-/tmp}/flotilla-$SLURM_JOB_ID.address"   # TMPDIR may be unset in a job
 * flotilla start-cluster --address-file "$address_file" &
 * cluster=$!
 * for i in $(seq 300); do [ -s "$address_file" ] && break; kill -0 $cluster || exit 1; sleep 1; done
 * FLOTILLA_SCHEDULER_ADDRESS=$(cat "$address_file") node my-analysis.js
 * kill $cluster; wait $cluster
 * ```
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { startAllocationCluster } from './allocation-cluster.js';
import type { DriverDependencies } from './allocation-driver.js';
import type { StartClusterCliOptions } from './cli-args.js';
import type { SiteConfig } from './site-config.js';
import { whenAborted } from './termination-signals.js';

/** What start-cluster needs besides its options: the driver's dependencies plus somewhere to print. */
export interface StartClusterDependencies extends DriverDependencies {
  /** Receives the address line when no `--address-file` is given. */
  readonly stdout: { write(text: string): unknown };
}

/**
 * Runs `flotilla start-cluster` until it is signalled.
 *
 * The address is published only after every worker is ready, so the appearance of the address file (or
 * of the line on stdout) means "ready". The file is written under a temporary name and renamed, so a
 * reader never sees half an address, and it is removed again on shutdown.
 *
 * @returns 0 after a clean shutdown on SIGINT/SIGTERM; 1 when the scheduler ended on its own.
 * @throws AllocationError, TimeoutError or CancelledError when the cluster cannot be started.
 */
export async function runStartCluster(options: StartClusterCliOptions, config: SiteConfig, deps: StartClusterDependencies): Promise<number> {
  const hosts = await deps.listHosts();
  deps.log(`allocation hosts: ${hosts.all.join(' ')} (this node: ${hosts.own})`);
  const cluster = await startAllocationCluster({
    ...deps,
    hosts,
    shape: {
      ...options,
      schedulerArgs: config.scheduler.args.args,
      workerSrunArgs: config.worker.srun.args,
      workerArgs: config.worker.args.args,
    },
  });
  const abort = whenAborted(deps.signal);
  try {
    if (cluster.securityFile) deps.log(`clients connect with FLOTILLA_SECURITY_FILE=${cluster.securityFile} (or { security: '${cluster.securityFile}' })`);
    if (options.addressFile === undefined) {
      deps.stdout.write(`${cluster.address}\n`);
    } else {
      await writeAtomically(options.addressFile, `${cluster.address}\n`);
      deps.log(`address written to ${options.addressFile}`);
    }
    const outcome = await Promise.race([abort.promise, cluster.schedulerEnded]);
    if (outcome === 'aborted') return 0;
    deps.log(`the scheduler ${outcome}; stopping the workers`);
    return 1;
  } finally {
    abort.dispose();
    await cluster.stop();
    if (options.addressFile !== undefined) await rm(options.addressFile, { force: true });
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
}
