/**
 * Job-queue clusters: a scheduler in this process, workers in batch jobs. See the README section "On an HPC cluster".
 */
export { JobQueueCluster, SCHEDULER_ADDRESS_PLACEHOLDER } from './job-queue-cluster.js';
export {
  HTCondorCluster,
  LocalJobCluster,
  LSFCluster,
  MoabCluster,
  OARCluster,
  PBSCluster,
  SGECluster,
  SLURMCluster,
  clusterClass,
} from './clusters.js';
export type { ClusterClass } from './clusters.js';
export { Adaptive } from './adaptive.js';
export type { ClusterJob } from './cluster-jobs.js';
export { JobCleanupError } from './errors.js';
export type {
  AdaptOptions,
  HTCondorClusterOptions,
  JobQueueClusterOptions,
  MoabClusterOptions,
  OARClusterOptions,
  LocalJobClusterOptions,
  LSFClusterOptions,
  PBSClusterOptions,
  SGEClusterOptions,
  SLURMClusterOptions,
  ScaleRequest,
} from './options.js';
