/**
 * flotilla: distributed task computing for Node.js.
 * @packageDocumentation
 */
export { Client, ClientView, UPLOAD_LIMIT_BYTES } from './client/client.js';
export type { Gathered, Resolvable, ScatterOptions } from './client/client.js';
export { Future } from './client/future.js';
export type { ActorControls, ActorHandle, ActorMethod, ActorOptions } from './actors/types.js';
export type { ActorConstructor } from './client/submit-actor.js';
export { fireAndForget } from './client/fire-and-forget.js';
export { getClient, secede } from './client/worker-client.js';
export { Lock, Event, Queue, Variable } from './coordination/primitives.js';
export type { CoordinationOptions, TimeoutOptions } from './coordination/primitives.js';
export type { GetClientOptions } from './client/worker-client.js';
export type { RebalanceOptions, ReplicateOptions, RestartOptions, RetireOptions } from './client/cluster-requests.js';
export type { WaitOptions } from './client/future.js';
export type { FutureStatus } from './client/future-state.js';
export { asCompleted, AsCompleted } from './client/as-completed.js';
export type { AsCompletedOptions } from './client/as-completed.js';
export { wait } from './client/wait.js';
export type { WaitForFuturesOptions, WaitResult } from './client/wait.js';
export { progress } from './client/progress.js';
export type { ProgressOptions } from './client/progress.js';
export type { ConnectOptions, ExecutionMode, RunOptions, SubmitOptions, ViewOptions } from './client/options.js';
export { LocalCluster, type LocalClusterStatus } from './cluster/local-cluster.js';
export { defaultWorkerSplit, processesForCores } from './util/worker-split.js';
export type { LocalClusterOptions } from './cluster/local-cluster-options.js';
export type { ClusterHandle } from './cluster/cluster-handle.js';
export { SchedulerServer } from './scheduler/server.js';
export type {
  TaskRun, SchedulerEvents, SchedulerView, TaskView, WorkerView, ConnectedClientView, GroupProgress, StoryEntry, TaskStateName,
} from './scheduler/server.js';
export type { TransitionEvent } from './scheduler/events.js';
export type { SchedulerOptions } from './scheduler/options.js';
export { WorkerNode } from './worker/worker.js';
export type { WorkerOptions } from './worker/options.js';
export type { WireLimits } from './transport/limits.js';
export type { WorkerSummary, TaskRunRecord } from './protocol/messages.js';
export * from './multiprocessing/index.js';
export {
  JobQueueCluster, SLURMCluster, SGECluster, PBSCluster, LSFCluster, HTCondorCluster, OARCluster, MoabCluster, LocalJobCluster,
  clusterClass, Adaptive, JobCleanupError, SCHEDULER_ADDRESS_PLACEHOLDER,
} from './jobqueue-cluster/index.js';
export type {
  ClusterClass, ClusterJob, JobQueueClusterOptions, SLURMClusterOptions, SGEClusterOptions, PBSClusterOptions, LSFClusterOptions,
  HTCondorClusterOptions, OARClusterOptions, MoabClusterOptions, LocalJobClusterOptions, AdaptOptions, ScaleRequest,
} from './jobqueue-cluster/index.js';
export { batchSystems, BUILT_IN_SYSTEMS, SYSTEM_NAMES, htcondor, local, lsf, moab, oar, pbs, sge, slurm } from '../cluster-adapters/index.js';
export type {
  SystemName, SLURMJobOptions, SGEJobOptions, PBSJobOptions, LSFJobOptions, HTCondorJobOptions, OARJobOptions, MoabJobOptions, LocalJobOptions,
} from '../cluster-adapters/index.js';
export {
  formatPbsBytes, formatSlurmBytes, formatWalltimeHM, formatWalltimeHMS, parseBytes, parseWalltime, resolveJobOptions,
} from './jobqueue/index.js';
export type {
  AnyJobOptions, BatchSystem, JobOutputFiles, JobQueueOptions, JobScriptParts, JobState, JobStatusReport, OptionKind, OptionSpec,
  ResolveContext, ResolvedJobOptions, SchedulerOptions as JobSchedulerOptions, SystemOptionSchema,
} from './jobqueue/index.js';
export { topFunctions } from './profile/index.js';
export type { FunctionShare, ProfileNode, ProfileOptions, ProfileTree } from './profile/index.js';
export { startDashboard, performanceReport, parseDashboardAddress, DEFAULT_DASHBOARD_PORT } from './dashboard/index.js';
export type { Dashboard, DashboardOptions } from './dashboard/index.js';
export * from './errors/index.js';
