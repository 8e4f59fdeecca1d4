/**
 * Errors across the wire: serialised as `{ name, code, message, stack, fields }` and rebuilt as the same
 * class. Every class exported from `src/errors` is rebuilt by its `code`, with its own plain fields
 * (strings, numbers, booleans, null and arrays of them, e.g. `workers` of KilledWorkerError); anything
 * else becomes a `TaskError` keeping its name and remote stack.
 */
import * as errors from '../errors/index.js';
import { FlotillaError, TaskError } from '../errors/index.js';
import type { WireError } from './messages.js';

/** The classes rebuilt by code: every FlotillaError class that `src/errors` exports, but TaskError (rebuilt with the remote name). */
const classesByCode = new Map<string, typeof FlotillaError>();
for (const value of Object.values(errors)) {
  if (typeof value === 'function' && value.prototype instanceof FlotillaError && value !== TaskError) {
    const kind = value as typeof FlotillaError;
    classesByCode.set(kind.code, kind);
  }
}

/** What every error has, never taken from `fields`. */
const STANDARD = new Set(['name', 'code', 'message', 'stack', 'cause']);

export function toWireError(error: unknown, key?: string): WireError {
  if (error instanceof Error) {
    const wire: WireError = { name: error.name, message: error.message, stack: error.stack };
    if (error instanceof FlotillaError) {
      wire.code = error.code;
      const fields = plainFields(error);
      if (fields) wire.fields = fields;
    }
    if (key !== undefined) wire.key = key;
    return wire;
  }
  return { name: 'Error', message: `a non-Error value was thrown: ${String(error)}`, key };
}

/** Rebuilds a wire error: flotilla's own classes by `code`, anything else as a `TaskError` keeping its name and stack. */
export function fromWireError(wire: WireError): Error {
  const kind = wire.code === undefined ? undefined : classesByCode.get(wire.code);
  let error: Error;
  if (kind) {
    // Made as `kind` without running its own constructor (whose arguments differ per class): the base
    // gives it its code and name, and its fields come from the wire.
    error = Reflect.construct(FlotillaError, [wire.message], kind) as FlotillaError;
    if (wire.fields) setFields(error, wire.fields);
    // The scheduler's own cancellations name the key only.
    if (kind.code === errors.CancelledError.code && !Array.isArray((error as errors.CancelledError).keys)) {
      Object.defineProperty(error, 'keys', { value: wire.key ? [wire.key] : [], enumerable: true });
    }
  } else {
    error = new TaskError(wire.message, { name: wire.name, key: wire.key, remoteStack: wire.stack });
  }
  if (wire.stack) {
    // Keep the remote stack (where the task really failed) and say where it ran.
    error.stack = `${wire.stack}\n    --- raised on a flotilla worker${wire.key ? ` while computing ${wire.key}` : ''}`;
  }
  return error;
}

/** The own fields of `error` that travel: plain values only, keyed by name. */
function plainFields(error: FlotillaError): Record<string, unknown> | undefined {
  let fields: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(error)) {
    if (STANDARD.has(name) || !isPlain(value)) continue;
    (fields ??= {})[name] = value;
  }
  return fields;
}

/**
 * Sets the fields a peer sent as own properties of `error`: only plain values, and never a name the
 * error already has (its standard fields, or a method of its prototype chain such as `toString`).
 */
function setFields(error: Error, fields: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (STANDARD.has(name) || name in error || !/^[A-Za-z]\w{0,63}$/.test(name) || !isPlain(value)) continue;
    Object.defineProperty(error, name, { value, enumerable: true, writable: true, configurable: true });
  }
}

function isPlain(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  return Array.isArray(value) && value.length <= 10_000 && value.every((item) => item === null || ['string', 'number', 'boolean'].includes(typeof item));
}
