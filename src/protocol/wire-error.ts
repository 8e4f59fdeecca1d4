/** Errors across the wire: serialised as `{ name, code, message, stack, fields }`, rebuilt as the same class. */
import {
  ActorLostError, CancelledError, FlotillaError, KilledWorkerError, LostResultError, TaskError, TimeoutError,
  SerializationError, FunctionShippingError,
} from '../errors/index.js';
import type { WireError } from './messages.js';

export function toWireError(error: unknown, key?: string): WireError {
  if (error instanceof Error) {
    const wire: WireError = { name: error.name, message: error.message, stack: error.stack };
    if (error instanceof FlotillaError) wire.code = error.code;
    if (error instanceof KilledWorkerError) wire.fields = { key: error.key, workers: error.workers };
    if (error instanceof ActorLostError) wire.fields = { actor: error.actor };
    if (key !== undefined) wire.key = key;
    return wire;
  }
  return { name: 'Error', message: `a non-Error value was thrown: ${String(error)}`, key };
}

/** Rebuilds a wire error: flotilla's own classes by `code`, anything else as a `TaskError` keeping its name and stack. */
export function fromWireError(wire: WireError): Error {
  let error: Error;
  switch (wire.code) {
    case 'CANCELLED': error = new CancelledError(wire.message, { keys: wire.key ? [wire.key] : [] }); break;
    case 'TIMEOUT': error = new TimeoutError(wire.message); break;
    case 'LOST': error = new LostResultError(wire.message); break;
    case 'SERIALIZATION': error = new SerializationError(wire.message); break;
    case 'FUNCTION_SHIPPING': error = new FunctionShippingError(wire.message); break;
    case 'ACTOR_LOST': error = new ActorLostError(wire.message, { actor: typeof wire.fields?.actor === 'string' ? wire.fields.actor : '' }); break;
    case 'KILLED_WORKER': {
      const fields = wire.fields ?? {};
      error = new KilledWorkerError(wire.message, {
        key: typeof fields.key === 'string' ? fields.key : (wire.key ?? ''),
        workers: Array.isArray(fields.workers) ? fields.workers.map(String) : [],
      });
      break;
    }
    default:
      error = new TaskError(wire.message, { name: wire.name, key: wire.key, remoteStack: wire.stack });
  }
  if (wire.stack) {
    // Keep the remote stack (where the task really failed) and say where it ran.
    error.stack = `${wire.stack}\n    --- raised on a flotilla worker${wire.key ? ` while computing ${wire.key}` : ''}`;
  }
  return error;
}
