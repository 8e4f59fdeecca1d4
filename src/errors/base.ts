/**
 * The base class of every error flotilla throws on purpose, and {@link errorClass}, the base of each
 * error class.
 *
 * Each class has a literal `name` and a stable `code`, so callers can branch with `instanceof` or on
 * `code`, and errors rebuilt from the wire keep both.
 */
export class FlotillaError extends Error {
  /** The stable code of this class's errors (`TimeoutError.code` is `'TIMEOUT'`); instances carry it as `code`. */
  static readonly code: string = 'FLOTILLA_ERROR';
  /** The class's name as its instances carry it in `name` (given, so that a minifier renaming classes cannot change it). */
  static readonly errorName: string = 'FlotillaError';
  /** A stable, machine-readable identifier of the failure (each class has its own; it survives the trip from a worker). */
  readonly code: string;
  /** The class's name (kept on errors rebuilt from the wire). */
  override name: string;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // The class being made (a subclass, or the class rebuilt from the wire) gives its code and name.
    this.code = new.target.code;
    this.name = new.target.errorName;
  }
}

/**
 * The base of one flotilla error class, giving its instances the literal `code` and `name`:
 * `class TimeoutError extends errorClass('TIMEOUT', 'TimeoutError') {}`. `name` must be the class's own
 * name (a test holds every exported class to it).
 */
export function errorClass<Code extends string, Name extends string>(code: Code, name: Name): ErrorClass<Code, Name> {
  return class extends FlotillaError {
    static override readonly code: Code = code;
    static override readonly errorName: Name = name;
    declare readonly code: Code;
    declare name: Name;
  };
}

/** What {@link errorClass} returns: a FlotillaError class whose instances have a literal `code` and `name`. */
export interface ErrorClass<Code extends string, Name extends string> {
  new (message: string, options?: ErrorOptions): FlotillaError & { readonly code: Code; name: Name };
  readonly prototype: FlotillaError;
  readonly code: Code;
  readonly errorName: Name;
}
