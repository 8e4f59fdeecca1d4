/**
 * Starts a flotilla cluster across the current SLURM allocation: the scheduler on this node, one worker
 * step per other node (or beside us on a single node), then waits until the scheduler reports all workers.
 * Shared by the `flotilla submit` driver and `flotilla start-cluster`.
 */
import { availableParallelism } from 'node:os';
import { CancelledError, TimeoutError } from '../errors/index.js';
import type { ClusterShapeOptions } from './cli-args.js';
import { describeExit, startProcess, stopProcess, type ManagedProcess } from '../util/child-process.js';
import {
  buildSchedulerCommand,
  buildWorkerCommand,
  buildWorkerStepPrefix,
  planWorkerPlacements,
  type WorkerPlacement,
} from './commands.js';
import { AllocationError } from './errors.js';
import { allocationSecurity, type AllocationSecurity } from './allocation-security.js';
import type { RuntimePaths } from './runtime-paths.js';
import { childProcessScheduler, type RunningScheduler, type SchedulerLauncher } from './scheduler-process.js';
import type { AllocationHosts } from './slurm-hosts.js';
import type { ConnectWorkerReadiness } from './worker-readiness.js';

/** Everything {@link startAllocationCluster} needs. */
export interface AllocationClusterOptions {
  readonly hosts: AllocationHosts;
  readonly runtime: RuntimePaths;
  readonly shape: ClusterShapeOptions & {
    readonly schedulerArgs: readonly string[];
    readonly workerSrunArgs: readonly string[];
    readonly workerArgs: readonly string[];
  };
  /** Read for `SLURM_CPUS_ON_NODE` when `shape.nthreads` is not given. */
  readonly env: NodeJS.ProcessEnv;
  readonly connectReadiness: ConnectWorkerReadiness;
  /** Prints one line of progress (to stderr). */
  readonly log: (line: string) => void;
  /** Aborting it stops the start-up: everything started so far is stopped and a CancelledError thrown. */
  readonly signal: AbortSignal;
  /** Time between SIGTERM and SIGKILL when stopping helpers, in milliseconds. */
  readonly stopGraceMs: number;
  /** Starts the scheduler. @defaultValue `flotilla-scheduler` as a child process ({@link childProcessScheduler}) */
  readonly launchScheduler?: SchedulerLauncher;
  /**
   * Turns a worker command into the command of the step that runs it on `placement.host`.
   * @defaultValue `srun --nodes=1 --ntasks=1 -w <host> [--overlap] [worker.srun] <worker command>`
   */
  readonly wrapWorkerStep?: (placement: WorkerPlacement, workerCommand: readonly string[]) => string[];
}

/** A started cluster. */
export interface RunningAllocationCluster {
  /** The scheduler's address, `tcp://host:port`. */
  readonly address: string;
  /** The key file clients need (FLOTILLA_SECURITY_FILE), unless `--no-security`. */
  readonly securityFile: string | undefined;
  /** The number of worker processes that registered (steps × workers per node). */
  readonly workers: number;
  /** Resolves when the scheduler ends on its own, with a phrase saying how. */
  readonly schedulerEnded: Promise<string>;
  /** Stops the worker steps, then the scheduler (SIGTERM, SIGKILL after the grace period). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Task threads per worker when `--nthreads` is not given: the node's CPUs (`SLURM_CPUS_ON_NODE`, else what
 * Node.js sees) divided by the workers per node, at least 1. Read on the node running the scheduler, so
 * nodes with other CPU counts should pass `--nthreads`.
 */
export function defaultThreadsPerWorker(env: NodeJS.ProcessEnv, workersPerNode: number): number {
  const slurmCpus = Number(env['SLURM_CPUS_ON_NODE']);
  const cpus = Number.isSafeInteger(slurmCpus) && slurmCpus > 0 ? slurmCpus : availableParallelism();
  return Math.max(1, Math.floor(cpus / workersPerNode));
}

/**
 * Starts the scheduler and the worker steps, and resolves once the scheduler reports every worker.
 *
 * @throws AllocationError when the scheduler ends before giving its address, or a worker step ends before
 *   the workers are ready (the message names the step and how it ended).
 * @throws TimeoutError when the scheduler or the workers are not ready within `shape.timeoutSeconds`.
 * @throws CancelledError when `signal` is aborted during start-up.
 * In every case, what was started has been stopped before the promise rejects.
 */
export async function startAllocationCluster(options: AllocationClusterOptions): Promise<RunningAllocationCluster> {
  const { shape, runtime, log, signal } = options;
  const timeoutMs = shape.timeoutSeconds * 1000;
  const deadline = Date.now() + timeoutMs;
  const remainingMs = (): number => Math.max(1, deadline - Date.now());
  if (signal.aborted) throw new CancelledError('Stopped before the cluster was started.', { cause: signal.reason });

  const schedulerHost = shape.schedulerHost ?? options.hosts.own;
  const security = allocationSecurity(shape, options.env, log);
  const launchScheduler =
    options.launchScheduler ?? childProcessScheduler(buildSchedulerCommand(runtime, schedulerHost, [...security.args, ...shape.schedulerArgs]), options.stopGraceMs);
  let scheduler: RunningScheduler;
  try {
    scheduler = await launchScheduler({ timeoutMs, signal, log });
  } catch (error) {
    security.dispose();
    throw error;
  }
  log(`scheduler listening at ${scheduler.address}`);
  if (security.file) log(`the cluster's keys: ${security.file} (mode 0600; the command finds it through FLOTILLA_SECURITY_FILE)`);

  const placements = planWorkerPlacements(options.hosts.all, options.hosts.own);
  const wrap = options.wrapWorkerStep ?? ((placement, command) => [...buildWorkerStepPrefix(placement, shape.workerSrunArgs), ...command]);
  const workerOptions = {
    runtime,
    address: scheduler.address,
    nthreads: shape.nthreads ?? defaultThreadsPerWorker(options.env, shape.workersPerNode),
    workersPerNode: shape.workersPerNode,
    workerArgs: [...security.args, ...shape.workerArgs],
  };
  // Worker output goes to our stderr (fd 2): stdout belongs to the user's command.
  const steps = placements.map((placement) =>
    startProcess(wrap(placement, buildWorkerCommand(placement, workerOptions)), { log, stdio: ['ignore', 2, 2], ownProcessGroup: true }),
  );
  const cluster = new StartedCluster(scheduler, steps, security, options.stopGraceMs, log);
  const expected = placements.length * shape.workersPerNode;
  try {
    await waitUntilReady(options, scheduler, steps, expected, remainingMs, security);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  log(`${expected} worker${expected === 1 ? '' : 's'} ready`);
  cluster.watchSteps();
  return { address: scheduler.address, securityFile: security.file, workers: expected, schedulerEnded: scheduler.ended, stop: () => cluster.stop() };
}

async function waitUntilReady(
  options: AllocationClusterOptions,
  scheduler: RunningScheduler,
  steps: readonly ManagedProcess[],
  expected: number,
  remainingMs: () => number,
  security: AllocationSecurity,
): Promise<void> {
  const failure = startupFailure(options.signal, scheduler, steps);
  try {
    const connecting = options.connectReadiness(scheduler.address, { timeoutMs: remainingMs(), security: security.credentials });
    const readiness = await Promise.race([connecting, failure.promise]);
    try {
      await Promise.race([readiness.waitForWorkers(expected, remainingMs()), failure.promise]);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      throw new TimeoutError(
        `Not all ${expected} worker(s) registered with the scheduler at ${scheduler.address} within ` +
          `${options.shape.timeoutSeconds} s. Look at the worker steps' output above; on a busy cluster, raise --timeout.`,
        { cause: error },
      );
    } finally {
      await readiness.close();
    }
  } finally {
    failure.dispose();
  }
}

/** A promise that rejects as soon as start-up cannot succeed: a step or the scheduler ended, or we were stopped. */
function startupFailure(
  signal: AbortSignal,
  scheduler: RunningScheduler,
  steps: readonly ManagedProcess[],
): { promise: Promise<never>; dispose: () => void } {
  let disposed = false;
  let onAbort: () => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    const fail = (error: Error): void => {
      if (!disposed) reject(error);
    };
    for (const step of steps) {
      void step.exited.then((status) =>
        fail(new AllocationError(`A worker step ${describeExit(status)} before the workers were ready: ${step.argv.join(' ')}`)),
      );
    }
    void scheduler.ended.then((how) => fail(new AllocationError(`The scheduler ${how} while waiting for the workers.`)));
    onAbort = () => fail(new CancelledError('Stopped while waiting for the workers.', { cause: signal.reason }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // The race above consumes the rejection; this keeps a rejection after the race from being "unhandled".
  promise.catch(() => undefined);
  return {
    promise,
    dispose: () => {
      disposed = true;
      signal.removeEventListener('abort', onAbort);
    },
  };
}

/** The started processes, and stopping them once, workers first so they do not retry a vanished scheduler. */
class StartedCluster {
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly scheduler: RunningScheduler,
    private readonly steps: readonly ManagedProcess[],
    private readonly security: AllocationSecurity,
    private readonly graceMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Reports worker steps that end while the cluster is meant to be running. */
  watchSteps(): void {
    for (const step of this.steps) {
      void step.exited.then((status) => {
        if (this.#stopping === undefined) this.log(`warning: a worker step ${describeExit(status)}: ${step.argv.join(' ')}`);
      });
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= this.stopAll();
    return this.#stopping;
  }

  private async stopAll(): Promise<void> {
    const running = this.steps.filter((step) => step.status() === undefined);
    this.log(`stopping ${running.length} worker step${running.length === 1 ? '' : 's'} and the scheduler`);
    const results = await Promise.all(running.map((step) => stopProcess(step, this.graceMs)));
    results.forEach((status, index) => {
      if (status === undefined) this.log(`warning: a worker step did not end even after SIGKILL: ${running[index]?.argv.join(' ') ?? ''}`);
    });
    await this.scheduler.stop(this.graceMs);
    this.security.dispose();
  }
}
