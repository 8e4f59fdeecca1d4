/**
 * The base class of every error flotilla throws on purpose.
 *
 * Each subclass has a literal `name` and a stable `code`, so callers can branch with
 * `instanceof` or on `code`, and errors rebuilt from the wire keep both.
 */
export class FlotillaError extends Error {
  /** A stable, machine-readable identifier of the failure. */
  readonly code: string = 'FLOTILLA_ERROR';
  override name = 'FlotillaError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
