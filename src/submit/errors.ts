/**
 * Errors of `flotilla submit` and `flotilla start-cluster` that have no general class in `src/errors`.
 */
import { FlotillaError } from '../errors/base.js';

/**
 * Starting the cluster inside a SLURM allocation failed: not inside an allocation, `scontrol` failed, the
 * scheduler did not start, or a worker step ended before the workers were ready.
 */
export class AllocationError extends FlotillaError {
  /** Always `'ALLOCATION'`: a stable identifier to branch on (it survives the trip from a worker). */
  override readonly code = 'ALLOCATION';
  /** Always `'AllocationError'`, the class's name (kept on errors rebuilt from the wire). */
  override name = 'AllocationError' as const;
}

/** The tool received SIGINT or SIGTERM and stopped what it had started. Carries the signal's name. */
export class InterruptedError extends FlotillaError {
  /** Always `'INTERRUPTED'`: a stable identifier to branch on (it survives the trip from a worker). */
  override readonly code = 'INTERRUPTED';
  /** Always `'InterruptedError'`, the class's name (kept on errors rebuilt from the wire). */
  override name = 'InterruptedError' as const;
  /** The signal that was received. */
  readonly signal: NodeJS.Signals;
  /** The message names `signal` and says that what was started has been stopped; `options.cause` keeps the underlying error. */
  constructor(signal: NodeJS.Signals, options?: ErrorOptions) {
    super(`Interrupted by ${signal}; everything flotilla started has been stopped.`, options);
    this.signal = signal;
  }
}
