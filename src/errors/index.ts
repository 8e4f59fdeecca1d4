import { errorClass, FlotillaError } from './base.js';

export { FlotillaError };
export { ActorLostError } from './actor-lost.js';

/** A future, a wait or a whole operation was cancelled (by `cancel()`, an `AbortSignal`, or a cancelled dependency). */
export class CancelledError extends errorClass('CANCELLED', 'CancelledError') {
  /** The task keys concerned, when known. */
  readonly keys: string[];
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, options?: ErrorOptions & { keys?: string[] }) {
    super(message, options);
    this.keys = options?.keys ?? [];
  }
}

/** A bounded wait ran out of time. The message says what was waited for and what was seen. */
export class TimeoutError extends errorClass('TIMEOUT', 'TimeoutError') {}

/** A task was running on `allowedFailures` workers that each died: it is probably what kills them. */
export class KilledWorkerError extends errorClass('KILLED_WORKER', 'KilledWorkerError') {
  /** The task's key. */
  readonly key: string;
  /** The workers that died while running it. */
  readonly workers: string[];
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, fields: { key: string; workers: string[] }, options?: ErrorOptions) {
    super(message, options);
    this.key = fields.key;
    this.workers = fields.workers;
  }
}

/** The batch system's submit command failed. Carries the command, its exit code and its output. */
export class JobSubmissionError extends errorClass('JOB_SUBMISSION', 'JobSubmissionError') {
  /** The submit command and its arguments. */
  readonly command: string[];
  /** Its exit code (null when it was ended by a signal or did not start). */
  readonly exitCode: number | null;
  /** What it printed on stdout. */
  readonly stdout: string;
  /** What it printed on stderr. */
  readonly stderr: string;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(
    message: string,
    fields: { command: string[]; exitCode: number | null; stdout: string; stderr: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.command = fields.command;
    this.exitCode = fields.exitCode;
    this.stdout = fields.stdout;
    this.stderr = fields.stderr;
  }
}

/**
 * Worker processes of a cluster exited before they joined, several times in a row (a bad `NODE_OPTIONS`
 * in `env`, a missing file, a crash at start). Carries the last exit code or signal and the end of
 * its stderr.
 */
export class WorkerStartError extends errorClass('WORKER_START', 'WorkerStartError') {
  /** The worker's name. */
  readonly worker: string;
  /** The last process's exit code (null when a signal ended it). */
  readonly exitCode: number | null;
  /** The signal that ended the last process, if any. */
  readonly signal: string | null;
  /** The end of the last process's stderr. */
  readonly stderr: string;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, fields: { worker: string; exitCode: number | null; signal: string | null; stderr: string }, options?: ErrorOptions) {
    super(message, options);
    this.worker = fields.worker;
    this.exitCode = fields.exitCode;
    this.signal = fields.signal;
    this.stderr = fields.stderr;
  }
}

/** A message from a peer could not be decoded or failed validation. Receivers log it and keep serving. */
export class ProtocolError extends errorClass('PROTOCOL', 'ProtocolError') {}

/** The scheduler was asked to move a task between two states that have no edge in the transition table. */
export class InvalidTransitionError extends errorClass('INVALID_TRANSITION', 'InvalidTransitionError') {}

/** A value (an argument or a result) cannot be sent to another process. The message names it and says why. */
export class SerializationError extends errorClass('SERIALIZATION', 'SerializationError') {}

/** A function cannot be shipped to workers as source text (not a function, native, bound, uses `this`, or reads the caller's variables). */
export class FunctionShippingError extends errorClass('FUNCTION_SHIPPING', 'FunctionShippingError') {}

/** An option or argument has a wrong value. The message names it, what was expected and what was received. */
export class ConfigurationError extends errorClass('CONFIGURATION', 'ConfigurationError') {}

/**
 * A peer refused this one's credentials, or the two disagree on whether to authenticate: the CURVE
 * handshake failed (wrong or missing keys), or the scheduler refused a worker's registration. The
 * message names the address and what to pass instead.
 */
export class AuthenticationError extends errorClass('AUTHENTICATION', 'AuthenticationError') {}

/** The result of a task is gone (its holders died and it could not be recomputed, or it was released). */
export class LostResultError extends errorClass('LOST', 'LostResultError') {}

/**
 * `future.result()` (or `await future`) on a handle that was released with `release()`: the cluster no
 * longer keeps its result for that handle. The message names the key and the fix.
 */
export class ReleasedFutureError extends errorClass('RELEASED_FUTURE', 'ReleasedFutureError') {
  /** The key of the released future. */
  readonly key: string;
  /** The message names `key` and the fix (read the result before `release()`, or submit again). */
  constructor(key: string, options?: ErrorOptions) {
    super(`future ${key} was released; its result is no longer kept. Read the result before calling release() (or keep another handle of the same key), or submit the task again for a new future`, options);
    this.key = key;
  }
}

/**
 * An error thrown by user code on a worker. `name` is the original class name, `message` the original
 * message, and `stack` the remote stack (prefixed with where it ran).
 */
export class TaskError extends errorClass<'TASK_ERROR', string>('TASK_ERROR', 'TaskError') {
  /** The task key whose function threw, when known. */
  readonly key: string | undefined;
  /** The stack as it was on the worker. */
  readonly remoteStack: string | undefined;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, fields: { name: string; key?: string; remoteStack?: string }, options?: ErrorOptions) {
    super(message, options);
    this.name = fields.name;
    this.key = fields.key;
    this.remoteStack = fields.remoteStack;
  }
}
