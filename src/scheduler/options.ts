import type { WireLimits } from '../transport/limits.js';
import type { CurveCredentials } from '../transport/security.js';

/** Options of a scheduler server. */
export interface SchedulerOptions {
  /** Interface to listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** TCP port; 0 lets the OS choose a free one. @defaultValue 0 */
  port?: number;
  /**
   * A full ZeroMQ address to listen on instead of `host` and `port`, e.g. `ipc:///run/me/flotilla-x/scheduler`
   * (a Unix socket: only users who can enter its directory can connect).
   */
  listen?: string;
  /** How often workers send heartbeats, in milliseconds. @defaultValue 500 */
  heartbeatMs?: number;
  /** A worker silent for this long is removed and its tasks rescheduled, in milliseconds. @defaultValue 10000 */
  workerTtlMs?: number;
  /** A client silent for this long is dropped and its futures released, in milliseconds. @defaultValue 60000 */
  clientTtlMs?: number;
  /** Worker deaths while running one task before it fails with KilledWorkerError. @defaultValue 3 */
  allowedFailures?: number;
  /** Check the state's invariants after every stimulus (tests). @defaultValue false */
  validate?: boolean;
  /**
   * Stop with an InvalidTransitionError after this many task transitions in all (tests: catches a
   * transition loop). @defaultValue no limit
   */
  transitionLimit?: number;
  /** CURVE credentials: when given, only peers holding them can connect. */
  security?: CurveCredentials;
  /** What one peer may make the scheduler hold at the wire (largest frame, reassembly bytes and time); see `WireLimits`. */
  limits?: Partial<WireLimits>;
}
