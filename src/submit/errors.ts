/**
 * Errors of `flotilla submit` and `flotilla start-cluster` that have no general class in `src/errors`.
 */
import { errorClass } from '../errors/base.js';

/**
 * Starting the cluster inside a SLURM allocation failed: not inside an allocation, `scontrol` failed, the
 * scheduler did not start, or a worker step ended before the workers were ready.
 */
export class AllocationError extends errorClass('ALLOCATION', 'AllocationError') {}

/** The tool received SIGINT or SIGTERM and stopped what it had started. Carries the signal's name. */
export class InterruptedError extends errorClass('INTERRUPTED', 'InterruptedError') {
  /** The signal that was received. */
  readonly signal: NodeJS.Signals;
  /** The message names `signal` and says that what was started has been stopped; `options.cause` keeps the underlying error. */
  constructor(signal: NodeJS.Signals, options?: ErrorOptions) {
    super(`Interrupted by ${signal}; everything flotilla started has been stopped.`, options);
    this.signal = signal;
  }
}
