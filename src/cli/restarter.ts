/**
 * The restarter inside each batch job, like Dask's nanny: the worker CLI starts its worker processes
 * through it, and a process that dies (killed for memory, a crash: any exit other than a clean 0) is
 * started again in place, with the same name, up to `restarts` times per process. The scheduler
 * removes the dead worker when its connection closes (its tasks are rescheduled, and count towards
 * `allowedFailures` as for any worker death), and the restarted one registers under the old name. A
 * worker the scheduler refused (exit code 3) is not restarted. Past the limit that process is given
 * up; the job ends when all its processes have ended.
 */
import type { ChildProcess } from 'node:child_process';

/** The exit code of a worker the scheduler refused (its keys, or its registration): restarting cannot help. */
export const REFUSED_EXIT_CODE = 3;

/** Options of {@link superviseWorkers}. */
export interface RestarterOptions {
  /** Worker processes to keep: `--nworkers`. */
  readonly processes: number;
  /** Restarts allowed per process before it is given up; `0` runs each process once. */
  readonly restarts: number;
  /** Starts worker process `index` (0-based); called again for each restart. */
  spawnWorker(index: number): ChildProcess;
  /** Where the restarter says what it does (the job's stderr). */
  log(line: string): void;
}

/** What a supervised run came to. */
export interface RestarterOutcome {
  /** The worst exit code of the processes' last runs: 0 when every one ended cleanly. */
  readonly exitCode: number;
  /** Restarts made, per process index. */
  readonly restarts: readonly number[];
}

/** The handle of a supervised run. */
export interface Supervision {
  /** Settles when every process has ended for good. */
  readonly done: Promise<RestarterOutcome>;
  /** Passes `signal` to every process and restarts none from now on (a cancelled job, Ctrl-C). */
  stop(signal: NodeJS.Signals): void;
}

/**
 * Runs `processes` worker processes and restarts each one that dies, up to `restarts` times.
 * @example superviseWorkers({ processes: 2, restarts: 3, spawnWorker: (i) => spawn(node, [cli, …]), log: console.error })
 */
export function superviseWorkers(options: RestarterOptions): Supervision {
  const restarts = Array.from({ length: options.processes }, () => 0);
  const children = new Set<ChildProcess>();
  let stopping = false;
  let alive = options.processes;
  let worst = 0;
  let finish: (outcome: RestarterOutcome) => void = () => undefined;
  const done = new Promise<RestarterOutcome>((resolve) => (finish = resolve));

  const start = (index: number): void => {
    const child = options.spawnWorker(index);
    children.add(child);
    child.once('exit', (code, signal) => {
      children.delete(child);
      const clean = code === 0 && signal === null;
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      const refused = code === REFUSED_EXIT_CODE;
      if (refused && !stopping) options.log(`worker process ${index} was refused by the scheduler (exit code ${REFUSED_EXIT_CODE}); not restarting it`);
      if (!clean && !refused && !stopping && restarts[index]! < options.restarts) {
        restarts[index]! += 1;
        options.log(`worker process ${index} ${how}; restarting it (restart ${restarts[index]} of ${options.restarts})`);
        start(index);
        return;
      }
      if (!clean && !refused && !stopping) {
        options.log(`worker process ${index} ${how}; giving it up after ${restarts[index]} restart${restarts[index] === 1 ? '' : 's'} (the limit is ${options.restarts})`);
      }
      worst = Math.max(worst, clean ? 0 : (code ?? 1) || 1);
      if (--alive === 0) finish({ exitCode: worst, restarts });
    });
  };

  for (let index = 0; index < options.processes; index++) start(index);
  return {
    done,
    stop(signal) {
      stopping = true;
      for (const child of children) child.kill(signal);
    },
  };
}
