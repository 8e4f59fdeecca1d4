/**
 * Errors of `flotilla submit` and `flotilla start-cluster` that have no general class in `src/errors`.
 */
import { FlotillaError } from '../errors/base.js';

/**
 * Starting the cluster inside a SLURM allocation failed: not inside an allocation, `scontrol` failed, the
 * scheduler did not start, or a worker step ended before the workers were ready.
 */
export class AllocationError extends FlotillaError {
  override readonly code = 'ALLOCATION';
  override name = 'AllocationError' as const;
}

/** The tool received SIGINT or SIGTERM and stopped what it had started. Carries the signal's name. */
export class InterruptedError extends FlotillaError {
  override readonly code = 'INTERRUPTED';
  override name = 'InterruptedError' as const;
  /** The signal that was received. */
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals, options?: ErrorOptions) {
    super(`Interrupted by ${signal}; everything flotilla started has been stopped.`, options);
    this.signal = signal;
  }
}
