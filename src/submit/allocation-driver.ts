/**
 * The in-allocation driver (`flotilla __run-in-allocation`): runs on the first allocated node, starts the
 * cluster, runs the user's command with `FLOTILLA_SCHEDULER_ADDRESS` set, stops the cluster when the
 * command ends, and exits with the command's exit code.
 */
import { SECURITY_FILE_ENV } from './allocation-security.js';
import { startAllocationCluster, type AllocationClusterOptions } from './allocation-cluster.js';
import type { DriverCliOptions } from './cli-args.js';
import { describeExit, exitCodeOf, signalNumber, startProcess, stopProcess, type ExitStatus } from '../util/child-process.js';
import { SCHEDULER_ADDRESS_ENV } from './commands.js';
import type { AllocationHosts } from './slurm-hosts.js';
import { interruptingSignal, whenAborted } from './termination-signals.js';

/** What the driver needs from its surroundings; `main` fills it in, tests pass their own. */
export interface DriverDependencies
  extends Pick<AllocationClusterOptions, 'runtime' | 'connectReadiness' | 'log' | 'stopGraceMs' | 'launchScheduler' | 'wrapWorkerStep'> {
  /** The environment of the driver; the command gets it plus `FLOTILLA_SCHEDULER_ADDRESS`. */
  readonly env: NodeJS.ProcessEnv;
  /** Lists the allocation's hosts (`scontrol show hostnames`). */
  readonly listHosts: () => Promise<AllocationHosts>;
  /**
   * Aborted when the driver must stop (SIGINT/SIGTERM). With an `InterruptedError` as its reason, the
   * same signal is passed on to the command and the exit code is 128 + the signal's number.
   */
  readonly signal: AbortSignal;
}

/**
 * Runs the user's command inside the allocation, beside a scheduler and its workers.
 *
 * @returns the command's exit code (128 + signal number if it was killed by a signal, 127 if it was not
 *   found), or 128 + the signal's number when the driver itself was interrupted.
 * @throws AllocationError, TimeoutError or CancelledError when the cluster cannot be started (see
 *   `startAllocationCluster`); the command is then never run.
 */
export async function runInAllocation(options: DriverCliOptions, deps: DriverDependencies): Promise<number> {
  const hosts = await deps.listHosts();
  deps.log(`allocation hosts: ${hosts.all.join(' ')} (this node: ${hosts.own})`);
  const cluster = await startAllocationCluster({ ...deps, hosts, shape: options });
  try {
    if (deps.signal.aborted) return interruptedExitCode(deps.signal.reason);
    const command = startProcess(options.command, {
      log: deps.log,
      env: { ...deps.env, [SCHEDULER_ADDRESS_ENV]: cluster.address, ...(cluster.securityFile ? { [SECURITY_FILE_ENV]: cluster.securityFile } : {}) },
      stdio: 'inherit',
    });
    void cluster.schedulerEnded.then((how) => {
      if (command.status() === undefined) deps.log(`warning: the scheduler ${how} while the command was running`);
    });
    const abort = whenAborted(deps.signal);
    const outcome = await Promise.race([command.exited, abort.promise]).finally(abort.dispose);
    if (outcome === 'aborted') {
      const signal = interruptingSignal(deps.signal.reason) ?? 'SIGTERM';
      // Pass the same signal on, so the command can clean up; SIGKILL follows after the grace period.
      await stopProcess(command, deps.stopGraceMs, signal);
      return interruptedExitCode(deps.signal.reason);
    }
    reportCommandEnd(outcome, options.command, deps.log);
    return exitCodeOf(outcome);
  } finally {
    await cluster.stop();
  }
}

function reportCommandEnd(status: ExitStatus, command: readonly string[], log: (line: string) => void): void {
  if (status.spawnError !== undefined) {
    log(`the command ${describeExit(status)}: ${command[0] ?? ''}: ${status.spawnError.message}. Check the program's name and PATH on the allocated node.`);
  } else {
    log(`the command ${describeExit(status)}`);
  }
}

function interruptedExitCode(reason: unknown): number {
  const signal = interruptingSignal(reason);
  return signal === undefined ? 1 : 128 + signalNumber(signal);
}
