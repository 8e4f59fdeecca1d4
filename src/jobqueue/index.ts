/**
 * The job-queue core: options, the job-script template, batch commands and job tracking.
 * Batch-system adapters (`cluster-adapters/*`) and the job-queue cluster classes build on this module only.
 */
export type { AnyJobOptions, JobOptionKey, JobQueueOptions, SchedulerOptions } from './options.js';
export { camelToKebab, envVariableFor, kebabToCamel, optionKeysFor } from './option-schema.js';
export type { OptionKind, OptionOwner, OptionSpec, SystemOptionSchema } from './option-schema.js';
export {
  DEFAULT_DEATH_TIMEOUT_SECONDS,
  DEFAULT_JOB_NAME,
  DEFAULT_LOG_DIRECTORY,
  DEFAULT_SHEBANG,
  MAX_DEFAULT_LIFETIME_MARGIN_SECONDS,
  checkBatchSystem,
  resolveJobOptions,
  workerLifetime,
} from './resolve-options.js';
export { processesForCores } from '../util/worker-split.js';
export type { ResolveContext } from './resolve-options.js';
export type { OptionSource, ResolvedJobOptions, ResolvedSharedOptions, SystemOptionValues } from './resolved-options.js';
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
export type { BatchSystem, JobOutputFiles, JobScriptParts, JobState, JobStatusReport } from './batch-system.js';
export { directiveKey, jobHeaderLines, skipEntryMatches } from './directives.js';
export type { DirectiveKey } from './directives.js';
export { quoteShellWord, shellCommand } from '../util/shell-quote.js';
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
export { cancelJobs, jobStatusReports, jobStatuses, parseJobId, sameJobId, submissionMayExist, submitJob } from './jobs.js';
export type { JobCommandOptions } from './jobs.js';
export { JobTracker } from './job-tracker.js';
export type { JobTrackerOptions, JobTransition, TrackedJob, TrackedJobState } from './job-tracker.js';
export { configFileLocation } from '../config/config-file.js';
export type { FlotillaMode } from '../config/config-file.js';
export {
  BATCH_SYSTEM_KEY,
  NO_CONFIG,
  configSectionFor,
  jobqueueConfigSection,
  loadFlotillaConfig,
  parseFlotillaConfig,
} from './config-sections.js';
export type { FlotillaConfig, JobqueueConfigSection } from './config-sections.js';
