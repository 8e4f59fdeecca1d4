/**
 * One class per batch system, each made by {@link clusterClass}: the job-queue cluster with that
 * system's adapter. Options are the job options of that system plus the cluster options; see
 * `JobQueueCluster` for the behaviour.
 *
 * @example
 * const cluster = new SLURMCluster({ cores: 8, memory: '16 GB', walltime: '01:00:00', queue: 'debug' });
 * console.log(cluster.jobScript());
 * await cluster.scale({ jobs: 2 });
 * const client = await Client.connect(cluster);
 */
import { htcondor, local, lsf, moab, oar, pbs, sge, slurm } from '../../cluster-adapters/index.js';
import type {
  HTCondorJobOptions,
  LocalJobOptions,
  LSFJobOptions,
  MoabJobOptions,
  OARJobOptions,
  PBSJobOptions,
  SGEJobOptions,
  SLURMJobOptions,
} from '../../cluster-adapters/index.js';
import type { BatchSystem, JobQueueOptions, ResolveContext } from '../jobqueue/index.js';
import { JobQueueCluster } from './job-queue-cluster.js';
import type { JobQueueClusterOptions } from './options.js';

/** A cluster class for one batch system: `new (options, context) => JobQueueCluster`. */
export interface ClusterClass<O extends JobQueueOptions> {
  /** @throws ConfigurationError for an unknown or invalid option. */
  new (options?: Readonly<O & JobQueueClusterOptions>, context?: ResolveContext): JobQueueCluster<O>;
}

/**
 * The cluster class of a batch system: `new (clusterClass(slurm))({ cores: 8, memory: '16 GB' })` is a
 * `SLURMCluster`. Messages name the class as `className` (the adapter's `clusterName` by default).
 * This is how every built-in cluster class is made, and how a cluster for your own adapter is made
 * (see `examples/custom-adapter.ts`).
 * @throws ConfigurationError at once when `system` is not a batch-system adapter.
 * @example
 * const SiteCluster = clusterClass({ ...slurm, name: 'site', clusterName: 'SiteCluster', submitCommand: () => ['site-sbatch', '--parsable'] });
 * const cluster = new SiteCluster({ cores: 8, memory: '16 GB' });
 */
export function clusterClass<O extends JobQueueOptions>(system: BatchSystem<O>, className?: string): ClusterClass<O> {
  const name = className ?? system?.clusterName ?? 'JobQueueCluster';
  JobQueueCluster.checkSystem(system, `clusterClass(…) for ${name}`);
  const made = class extends JobQueueCluster<O> {
    constructor(options: Readonly<O & JobQueueClusterOptions> = {} as Readonly<O & JobQueueClusterOptions>, context: ResolveContext = {}) {
      super(system, options, { ...context, constructorName: context.constructorName ?? name });
    }
  };
  Object.defineProperty(made, 'name', { value: name });
  return made;
}

/** Workers in SLURM jobs (`sbatch`, `squeue`, `scancel`). */
export const SLURMCluster = clusterClass<SLURMJobOptions>(slurm);
/** A cluster of SLURM jobs. */
export type SLURMCluster = JobQueueCluster<SLURMJobOptions>;

/** Workers in Grid Engine jobs (`qsub`, `qstat`, `qdel`); ask for memory with `resourceSpec`. */
export const SGECluster = clusterClass<SGEJobOptions>(sge);
/** A cluster of Grid Engine jobs. */
export type SGECluster = JobQueueCluster<SGEJobOptions>;

/** Workers in PBS Pro, OpenPBS or Torque jobs (`qsub`, `qstat`, `qdel`). */
export const PBSCluster = clusterClass<PBSJobOptions>(pbs);
/** A cluster of PBS jobs. */
export type PBSCluster = JobQueueCluster<PBSJobOptions>;

/** Workers in LSF jobs (`bsub`, `bjobs`, `bkill`). Tested by script text and stand-in commands only. */
export const LSFCluster = clusterClass<LSFJobOptions>(lsf);
/** A cluster of LSF jobs. */
export type LSFCluster = JobQueueCluster<LSFJobOptions>;

/** Workers in HTCondor jobs (`condor_submit`, `condor_q`, `condor_rm`). Tested by script text and stand-in commands only. */
export const HTCondorCluster = clusterClass<HTCondorJobOptions>(htcondor);
/** A cluster of HTCondor jobs. */
export type HTCondorCluster = JobQueueCluster<HTCondorJobOptions>;

/** Workers in OAR jobs (`oarsub`, `oarstat`, `oardel`). Tested by script text and stand-in commands only. */
export const OARCluster = clusterClass<OARJobOptions>(oar);
/** A cluster of OAR jobs. */
export type OARCluster = JobQueueCluster<OARJobOptions>;

/** Workers in Moab jobs (`msub`, `showq`, `canceljob`), PBS directives. Tested by script text and stand-in commands only. */
export const MoabCluster = clusterClass<MoabJobOptions>(moab);
/** A cluster of Moab jobs. */
export type MoabCluster = JobQueueCluster<MoabJobOptions>;

/**
 * Job scripts run with bash on this machine as detached processes: the whole job-queue path without a
 * batch system, for tests and trying things out. (For real work on one machine, use `LocalCluster`.)
 */
export const LocalJobCluster = clusterClass<LocalJobOptions>(local);
/** A cluster of `local` jobs. */
export type LocalJobCluster = JobQueueCluster<LocalJobOptions>;
