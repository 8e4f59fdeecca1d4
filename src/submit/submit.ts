/**
 * `flotilla submit` on the login node: runs `salloc ... srun ...` (interactive) or writes the batch script
 * and runs `sbatch` (batch). What happens inside the allocation is the driver's job.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SubmitCliOptions } from './cli-args.js';
import { describeExit, exitCodeOf, signalProcess, startProcess, type ExitStatus } from '../util/child-process.js';
import { buildBatchScript, buildBatchSubmitCommand, buildInteractiveCommand } from './commands.js';
import type { RuntimePaths } from './runtime-paths.js';
import { formatCommand } from '../util/shell-quote.js';
import type { SiteConfig } from './site-config.js';

/** What `runSubmit` needs from its surroundings. */
export interface SubmitDependencies {
  readonly runtime: RuntimePaths;
  readonly log: (line: string) => void;
  /** Receives the dry-run output. */
  readonly stdout: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

/** The name of the batch script, also the default job name that sbatch derives from it. */
export const BATCH_SCRIPT_NAME = 'flotilla-submit.sh';

/**
 * Runs `flotilla submit`.
 *
 * @returns salloc's exit code in interactive mode (which is the user command's exit code once the job
 *   ran; 137 after Ctrl-C, as srun reports the step it ended as killed), sbatch's in batch mode, 0 for
 *   a dry run, and 127 when salloc or sbatch is not on PATH.
 */
export async function runSubmit(options: SubmitCliOptions, config: SiteConfig, deps: SubmitDependencies): Promise<number> {
  return options.batch ? submitBatch(options, config, deps) : runInteractive(options, config, deps);
}

async function runInteractive(options: SubmitCliOptions, config: SiteConfig, deps: SubmitDependencies): Promise<number> {
  const argv = buildInteractiveCommand(options, config, deps.runtime);
  if (options.dryRun) {
    deps.stdout.write(`${formatCommand(argv)}\n`);
    return 0;
  }
  const salloc = startProcess(argv, { log: deps.log, env: deps.env, stdio: 'inherit' });
  // Ctrl-C reaches srun directly (salloc gives its command the terminal), and srun ends the step; we
  // only must not die first. SIGTERM and SIGHUP are sent to us alone, so pass them on to salloc.
  const onInterrupt = (): void => deps.log('Ctrl-C: srun is stopping the job');
  const forward = (signal: NodeJS.Signals): void => signalProcess(salloc, signal);
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  try {
    const status = await salloc.exited;
    reportFailure('salloc', status, deps);
    // After Ctrl-C this is 137: srun reports the step it ended as killed.
    return exitCodeOf(status);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
  }
}

/** Logs how `program` failed, if it did; one that could not start is named with where it must run. */
function reportFailure(program: 'salloc' | 'sbatch', status: ExitStatus, deps: SubmitDependencies): void {
  if (status.spawnError !== undefined) {
    deps.log(`${program} ${describeExit(status)}: run flotilla submit on a SLURM login node, where ${program} is on PATH`);
  } else if (status.code !== 0) {
    deps.log(`${program} ${describeExit(status)}`);
  }
}

async function submitBatch(options: SubmitCliOptions, config: SiteConfig, deps: SubmitDependencies): Promise<number> {
  const script = buildBatchScript(options, config, deps.runtime);
  if (options.dryRun) {
    deps.stdout.write(`# ${BATCH_SCRIPT_NAME}:\n${script}# submitted with:\n`);
    deps.stdout.write(`${formatCommand(buildBatchSubmitCommand(options, config, BATCH_SCRIPT_NAME))}\n`);
    return 0;
  }
  // sbatch copies the script into the job at submission, so a temporary file is enough.
  const directory = await mkdtemp(join(tmpdir(), 'flotilla-submit-'));
  try {
    const scriptPath = join(directory, BATCH_SCRIPT_NAME);
    await writeFile(scriptPath, script, 'utf8');
    await chmod(scriptPath, 0o755);
    const sbatch = startProcess(buildBatchSubmitCommand(options, config, scriptPath), { log: deps.log, env: deps.env, stdio: 'inherit' });
    const status = await sbatch.exited;
    // On failure either the submission failed, or (with `wait: true` in batch.sbatch) the job did: sbatch said which.
    reportFailure('sbatch', status, deps);
    return exitCodeOf(status);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
