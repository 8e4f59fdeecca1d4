/**
 * One class per batch system: each is the job-queue cluster with that system's adapter. Options are
 * the job options of that system plus the cluster options; see `JobQueueCluster` for the behaviour.
 *
 * @example
 * const cluster = new SLURMCluster({ cores: 8, memory: '16 GB', walltime: '01:00:00', queue: 'debug' });
 * console.log(cluster.jobScript());
 * await cluster.scale({ jobs: 2 });
 * const client = await Client.connect(cluster);
 */
import { local, lsf, pbs, sge, slurm } from '../../cluster-adapters/index.js';
import type { ResolveContext } from '../jobqueue/index.js';
import { JobQueueCluster } from './job-queue-cluster.js';
import type {
  LocalJobClusterOptions,
  LSFClusterOptions,
  PBSClusterOptions,
  SGEClusterOptions,
  SLURMClusterOptions,
} from './options.js';

/** Workers in SLURM jobs (`sbatch`, `squeue`, `scancel`). */
export class SLURMCluster extends JobQueueCluster {
  /** @throws ConfigurationError for an unknown or invalid option. */
  constructor(options: Readonly<SLURMClusterOptions> = {}, context: ResolveContext = {}) {
    super(slurm, options, context);
  }
}

/** Workers in Grid Engine jobs (`qsub`, `qstat`, `qdel`); ask for memory with `resourceSpec`. */
export class SGECluster extends JobQueueCluster {
  /** @throws ConfigurationError for an unknown or invalid option. */
  constructor(options: Readonly<SGEClusterOptions> = {}, context: ResolveContext = {}) {
    super(sge, options, context);
  }
}

/** Workers in PBS Pro, OpenPBS or Torque jobs (`qsub`, `qstat`, `qdel`). */
export class PBSCluster extends JobQueueCluster {
  /** @throws ConfigurationError for an unknown or invalid option. */
  constructor(options: Readonly<PBSClusterOptions> = {}, context: ResolveContext = {}) {
    super(pbs, options, context);
  }
}

/** Workers in LSF jobs (`bsub`, `bjobs`, `bkill`). Not tested against a real LSF. */
export class LSFCluster extends JobQueueCluster {
  /** @throws ConfigurationError for an unknown or invalid option. */
  constructor(options: Readonly<LSFClusterOptions> = {}, context: ResolveContext = {}) {
    super(lsf, options, context);
  }
}

/**
 * Job scripts run with bash on this machine as detached processes: the whole job-queue path without a
 * batch system, for tests and trying things out. (For real work on one machine, use `LocalCluster`.)
 */
export class LocalJobCluster extends JobQueueCluster {
  /** @throws ConfigurationError for an unknown or invalid option. */
  constructor(options: Readonly<LocalJobClusterOptions> = {}, context: ResolveContext = {}) {
    super(local, options, context);
  }
}
