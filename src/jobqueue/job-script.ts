/**
 * The job script: one template filled in for every system.
 *
 * The built-in template is {@link DEFAULT_JOB_SCRIPT_TEMPLATE}: shebang, header (directives), prologue,
 * worker command, epilogue. Sites that need their own layout give `templateFile`, written with the
 * same `{{placeholder}}` syntax; {@link TEMPLATE_PLACEHOLDERS} lists what is available.
 */
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../errors/index.js';
import { didYouMean } from '../config/closest-name.js';
import type { BatchSystem, JobScriptParts } from './batch-system.js';
import { jobHeaderLines } from './directives.js';
import type { ResolvedJobOptions } from './resolved-options.js';
import type { JobQueueOptions } from './options.js';
import { shellCommand } from '../util/shell-quote.js';
import { buildWorkerCommand, workerCliPath, type WorkerCommandParameters } from './worker-command.js';

/**
 * The built-in template. A line holding only a placeholder whose value is empty disappears (with
 * the blank line that would then double up), so a system without directives gets no empty header.
 */
export const DEFAULT_JOB_SCRIPT_TEMPLATE = '{{shebang}}\n\n{{header}}\n\n{{prologue}}\n{{workerCommand}}\n{{epilogue}}\n';

/** Every placeholder a template may use, with what it is replaced by. Unset values are empty. */
export const TEMPLATE_PLACEHOLDERS = {
  shebang: 'the shebang line (`shebang` option)',
  header: 'the directive lines: generated, minus `jobDirectivesSkip`, plus `jobExtraDirectives`',
  prologue: 'the `jobScriptPrologue` lines',
  workerCommand: 'the command that starts the worker(s)',
  epilogue: 'the `jobScriptEpilogue` lines',
  jobName: 'the job name',
  name: 'the cluster name (prefix of worker names)',
  workerName: 'the worker name passed to --name (may contain a $JOB_ID reference)',
  cores: 'cores per job',
  processes: 'worker processes per job',
  threads: 'task threads per worker process',
  memory: "memory per job in the system's notation (e.g. 8G for SLURM, 7630MB for PBS)",
  memoryBytes: 'memory per job in bytes',
  memoryPerProcessBytes: 'memory limit of each worker process in bytes',
  walltime: "the walltime in the system's notation (empty without a walltime)",
  walltimeSeconds: 'the walltime in seconds (empty without a walltime)',
  queue: 'the queue or partition',
  account: 'the account (systems with an `account` option: SLURM, PBS, Moab; empty elsewhere)',
  project: 'the project (systems with a `project` option: SGE, LSF, OAR; empty elsewhere)',
  resourceSpec: 'the resource spec (systems with a `resourceSpec` option: SGE, PBS, OAR, Moab; empty elsewhere)',
  logDirectory: 'the absolute log directory',
  directivePrefix: 'the directive prefix, e.g. #SBATCH',
  jobIdVariable: 'the name of the variable holding the job id in the job, e.g. SLURM_JOB_ID',
  jobId: 'a reference to it that expands in the job, e.g. $SLURM_JOB_ID',
  schedulerAddress: 'the address workers connect to',
  nodeExecutable: 'the command that runs Node, quoted for bash',
  workerCli: 'the absolute path of the worker CLI',
} as const;

/** A placeholder name. */
export type TemplatePlaceholder = keyof typeof TEMPLATE_PLACEHOLDERS;

/** Values the cluster decides per script: the scheduler address and optionally worker name and key file. */
export type JobScriptParameters = WorkerCommandParameters;

/**
 * The job header: directive lines with the prefix, generated ones not skipped, then the extra ones.
 * @example jobHeader(slurm, job) // '#SBATCH -J flotilla-worker\n#SBATCH -e …\n…'
 */
export function jobHeader<O extends JobQueueOptions>(system: BatchSystem<O>, job: ResolvedJobOptions<O>): string {
  return jobHeaderLines(system, job).join('\n');
}

/**
 * The complete job script, exactly as it will be submitted.
 * @param schedulerAddress - where workers connect, e.g. `'tcp://10.1.2.3:8786'`.
 * @param parameters - optional worker name and security file.
 * @throws ConfigurationError when `templateFile` cannot be read or uses an unknown placeholder.
 */
export function buildJobScript<O extends JobQueueOptions>(
  system: BatchSystem<O>,
  job: ResolvedJobOptions<O>,
  schedulerAddress: string,
  parameters: Omit<JobScriptParameters, 'schedulerAddress'> = {},
): string {
  const workerParameters = { ...parameters, schedulerAddress };
  const values = placeholderValues(system, job, workerParameters);
  if (job.templateFile === undefined && system.renderScript !== undefined) {
    const parts: JobScriptParts = {
      shebang: job.shebang,
      header: jobHeaderLines(system, job),
      prologue: job.jobScriptPrologue,
      workerCommand: values.workerCommand,
      epilogue: job.jobScriptEpilogue,
    };
    return system.renderScript(parts, job);
  }
  if (job.templateFile === undefined) return renderTemplate(DEFAULT_JOB_SCRIPT_TEMPLATE, values, 'the built-in template');
  let template: string;
  try {
    template = readFileSync(job.templateFile, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `Cannot read templateFile ${job.templateFile}: ${(error as Error).message}. Fix the path or remove the option.`,
      { cause: error },
    );
  }
  return renderTemplate(template, values, `templateFile ${job.templateFile}`);
}

/**
 * Fills `{{name}}` placeholders (spaces inside the braces allowed). A line that holds only a
 * placeholder whose value is empty is removed, and so is a blank line that would follow another blank
 * line because of such a removal.
 * @param source - names the template in error messages.
 * @throws ConfigurationError for a placeholder that is not in {@link TEMPLATE_PLACEHOLDERS}.
 */
export function renderTemplate(
  template: string,
  values: Readonly<Record<TemplatePlaceholder, string>>,
  source: string,
): string {
  const placeholder = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
  const valueOf = (name: string, lineNumber: number): string => {
    if (!Object.hasOwn(values, name)) {
      const known = Object.keys(TEMPLATE_PLACEHOLDERS);
      throw new ConfigurationError(
        `Unknown placeholder {{${name}}} on line ${lineNumber} of ${source}.${didYouMean(name, known)} ` +
          `Known placeholders: ${known.map((k) => `{{${k}}}`).join(', ')}.`,
      );
    }
    return values[name as TemplatePlaceholder];
  };
  const output: string[] = [];
  let removedSinceLastLine = false;
  template.split('\n').forEach((line, index) => {
    const only = /^\s*\{\{\s*([A-Za-z0-9_]+)\s*\}\}\s*$/.exec(line);
    if (only?.[1] !== undefined && valueOf(only[1], index + 1) === '') {
      removedSinceLastLine = true;
      return;
    }
    const rendered = line.replace(placeholder, (_, name: string) => valueOf(name, index + 1));
    const previous = output[output.length - 1];
    if (removedSinceLastLine && rendered.trim() === '' && (previous === undefined || previous.trim() === '')) return;
    output.push(rendered);
    removedSinceLastLine = false;
  });
  return output.join('\n');
}

function placeholderValues<O extends JobQueueOptions>(
  system: BatchSystem<O>,
  job: ResolvedJobOptions<O>,
  parameters: WorkerCommandParameters,
): Record<TemplatePlaceholder, string> {
  const workerCommand = buildWorkerCommand(system, job, parameters);
  return {
    shebang: job.shebang,
    header: jobHeader(system, job),
    prologue: job.jobScriptPrologue.join('\n'),
    workerCommand,
    epilogue: job.jobScriptEpilogue.join('\n'),
    jobName: job.jobName,
    name: job.name,
    workerName: parameters.workerName ?? `${job.name}-$${system.jobIdVariable}`,
    cores: String(job.cores),
    processes: String(job.processes),
    threads: String(job.threadsPerProcess),
    memory: system.formatMemory(job.memoryBytes, job),
    memoryBytes: String(job.memoryBytes),
    memoryPerProcessBytes: String(job.memoryPerProcessBytes),
    walltime: job.walltimeSeconds === null ? '' : system.formatWalltime(job.walltimeSeconds),
    walltimeSeconds: job.walltimeSeconds === null ? '' : String(job.walltimeSeconds),
    queue: job.queue ?? '',
    account: systemOptionText(job, 'account'),
    project: systemOptionText(job, 'project'),
    resourceSpec: systemOptionText(job, 'resourceSpec'),
    logDirectory: job.logDirectory,
    directivePrefix: system.directivePrefix,
    jobIdVariable: system.jobIdVariable,
    jobId: `$${system.jobIdVariable}`,
    schedulerAddress: parameters.schedulerAddress,
    nodeExecutable: shellCommand(job.nodeExecutable),
    workerCli: workerCliPath(),
  };
}

/** A system option's value as text, empty when the system has no such option or it is unset. */
function systemOptionText(job: object, key: string): string {
  const value: unknown = Object.hasOwn(job, key) ? (job as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}
