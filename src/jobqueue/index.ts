/**
 * The job-queue core: options, the job-script template, batch commands and job tracking.
 * Batch-system adapters (`cluster-adapters/*`) and the job-queue cluster classes build on this module only.
 */
export type {
  AnyJobOptions,
  JobOptionKey,
  JobQueueOptions,
  LSFJobOptions,
  LocalJobOptions,
  PBSJobOptions,
  SGEJobOptions,
  SLURMJobOptions,
  SystemName,
} from './options.js';
export { SYSTEM_NAMES } from './options.js';
export { camelToKebab, envVariableFor, kebabToCamel, optionKeysFor } from './option-schema.js';
export {
  DEFAULT_DEATH_TIMEOUT_SECONDS,
  DEFAULT_JOB_NAME,
  DEFAULT_LOG_DIRECTORY,
  DEFAULT_SHEBANG,
  MAX_DEFAULT_LIFETIME_MARGIN_SECONDS,
  processesForCores,
  resolveJobOptions,
  workerLifetime,
} from './resolve-options.js';
export type { OptionSource, ResolveContext, ResolvedJobOptions } from './resolve-options.js';
export {
  formatLsfMemory,
  formatPbsBytes,
  formatSlurmBytes,
  formatWalltimeHM,
  formatWalltimeHMS,
  parseBytes,
  parseWalltime,
} from './units.js';
export type { LsfUnit, TwoFieldWalltime } from './units.js';
export type { BatchSystem, JobOutputFiles, JobState, JobStatusReport } from './batch-system.js';
export { directiveKey, jobHeaderLines, skipEntryMatches } from './directives.js';
export type { DirectiveKey } from './directives.js';
export { quoteShellWord, shellCommand } from './shell-quote.js';
export { buildWorkerCommand, workerCliPath } from './worker-command.js';
export type { WorkerCommandParameters } from './worker-command.js';
export {
  DEFAULT_JOB_SCRIPT_TEMPLATE,
  TEMPLATE_PLACEHOLDERS,
  buildJobScript,
  jobHeader,
  renderTemplate,
} from './job-script.js';
export type { JobScriptParameters, TemplatePlaceholder } from './job-script.js';
export { DEFAULT_COMMAND_TIMEOUT_MS, runCommand } from './run-command.js';
export type { CommandResult, RunCommandOptions } from './run-command.js';
export { cancelJobs, jobStatusReports, jobStatuses, parseJobId, sameJobId, submitJob } from './jobs.js';
export type { JobCommandOptions } from './jobs.js';
export { JobTracker } from './job-tracker.js';
export type { JobTrackerOptions, JobTransition, TrackedJob, TrackedJobState } from './job-tracker.js';
export {
  configFileLocation,
  jobqueueConfigSection,
  loadFlotillaConfig,
  parseFlotillaConfig,
} from '../config/config-file.js';
export type { FlotillaConfig, FlotillaMode } from '../config/config-file.js';
