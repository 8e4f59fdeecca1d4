/**
 * The base class of every error flotilla throws on purpose.
 *
 * Each subclass has a literal `name` and a stable `code`, so callers can branch with
 * `instanceof` or on `code`, and errors rebuilt from the wire keep both.
 */
export class FlotillaError extends Error {
  /** A stable, machine-readable identifier of the failure (each subclass has its own). */
  readonly code: string = 'FLOTILLA_ERROR';
  /** The class's name (each subclass sets its own; kept on errors rebuilt from the wire). */
  override name = 'FlotillaError';
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
