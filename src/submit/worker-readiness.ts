/**
 * How the in-allocation driver learns that the workers are ready: from the scheduler, never by sleeping.
 *
 * A small contract of its own so the orchestration does not depend on the client library's shape; the
 * real implementation lives in `worker-readiness-adapter.ts`.
 */

/** Something that can tell when `n` workers have registered with the scheduler. */
export interface WorkerReadiness {
  /**
   * Resolves once at least `n` workers are registered with the scheduler (at once if they already are).
   *
   * @param n - the number of worker processes to wait for.
   * @param timeoutMs - the longest wait, in milliseconds.
   * @throws TimeoutError (from `src/errors`) when fewer than `n` workers are registered after `timeoutMs`;
   *   the message says how many were seen.
   */
  waitForWorkers(n: number, timeoutMs: number): Promise<void>;
}

/** A {@link WorkerReadiness} holding a connection to the scheduler, which must be closed after use. */
export interface WorkerReadinessConnection extends WorkerReadiness {
  /** Closes the connection. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Connects to the scheduler at `address` (`tcp://host:port`) for readiness queries.
 *
 * @param options.timeoutMs - the longest wait for the connection, in milliseconds.
 * @param options.security - the scheduler's keys, unless it runs without security.
 */
export type ConnectWorkerReadiness = (
  address: string,
  options: { timeoutMs: number; security?: import('../transport/security.js').CurveCredentials },
) => Promise<WorkerReadinessConnection>;
