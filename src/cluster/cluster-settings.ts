/**
 * A LocalCluster's options checked and completed: worker count and threads (from the machine's cores
 * when not given), TCP or Unix sockets, each worker's memory limit, and the dashboard port asked for.
 */
import { availableParallelism, totalmem } from 'node:os';
import { defaultDashboardAddress, parseDashboardAddress } from '../dashboard/address.js';
import { ConfigurationError } from '../errors/index.js';
import { parseBytes } from '../jobqueue/units.js';
import { defaultWorkerSplit } from '../util/worker-split.js';
import type { LocalClusterOptions } from './local-cluster-options.js';

/** The options with every default filled in that the cluster reads. */
export type ResolvedOptions = Required<Pick<LocalClusterOptions, 'nWorkers' | 'threadsPerWorker' | 'host' | 'schedulerPort' | 'processes' | 'deathTimeout'>> & LocalClusterOptions;

/** What a LocalCluster starts from. */
export interface ClusterSettings {
  readonly options: ResolvedOptions;
  /** TCP with CURVE (a host or port was given) rather than Unix sockets. */
  readonly network: boolean;
  /** Each worker's memory limit in bytes. */
  readonly memoryLimit: number;
  /** The dashboard port asked for (undefined: no dashboard, or any free port). */
  readonly dashboardPortAsked: number | undefined;
}

/**
 * Checks `options` and fills in the defaults: without `nWorkers` and `threadsPerWorker` the machine's
 * cores are split by {@link defaultWorkerSplit}; `memoryLimit: 'auto'` gives each worker an equal share.
 * @throws ConfigurationError naming the option and the value that is not valid.
 */
export function resolveSettings(options: LocalClusterOptions): ClusterSettings {
  const split = defaultWorkerSplit();
  const nWorkers = options.nWorkers ?? (options.threadsPerWorker ? Math.max(1, Math.floor(availableParallelism() / options.threadsPerWorker)) : split.nWorkers);
  checkCount('nWorkers', nWorkers, 0);
  const threadsPerWorker = options.threadsPerWorker ?? Math.max(1, Math.floor(availableParallelism() / Math.max(1, nWorkers)));
  checkCount('threadsPerWorker', threadsPerWorker, 1);
  const resolved: ResolvedOptions = {
    ...options, nWorkers, threadsPerWorker, host: options.host ?? '127.0.0.1', schedulerPort: options.schedulerPort ?? 0,
    processes: options.processes ?? true, deathTimeout: options.deathTimeout ?? 60,
  };
  const limit = options.memoryLimit ?? 'auto';
  const memoryLimit = limit === 'auto' ? Math.floor(totalmem() / Math.max(1, nWorkers)) : parseBytes(limit, 'memoryLimit');
  if (options.dashboardAddress !== undefined && options.dashboardAddress !== false) parseDashboardAddress(options.dashboardAddress);
  const dashboardAddress = options.dashboardAddress ?? defaultDashboardAddress();
  return {
    options: resolved,
    network: options.host !== undefined || options.schedulerPort !== undefined,
    memoryLimit,
    dashboardPortAsked: dashboardAddress === false ? undefined : parseDashboardAddress(dashboardAddress).port || undefined,
  };
}

/** @throws ConfigurationError when `value` is not a whole number >= `min`. */
export function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigurationError(`LocalCluster option ${name} must be a whole number >= ${min}, got ${String(value)}`);
  }
}
