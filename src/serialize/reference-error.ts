/**
 * Explaining a worker's ReferenceError. Kept apart from function-source.ts so a worker can use it
 * without loading the JavaScript parser.
 */
import { explainMissingNames, functionSubject } from './function-messages.js';

/** `x is not defined`, as V8 words a ReferenceError for an undeclared name. */
const NOT_DEFINED = /^(\S+) is not defined$/;

/**
 * Turns a ReferenceError raised on a worker into a FunctionShippingError-quality message, naming
 * the missing variable and what to do. Returns undefined for any other error (including
 * ReferenceErrors that are not about an undefined name, such as use before initialisation).
 */
export function explainReferenceError(error: { name: string; message: string }, functionName: string): string | undefined {
  if (error.name !== 'ReferenceError') return undefined;
  const match = NOT_DEFINED.exec(error.message);
  if (match === null) return undefined;
  const missing = match[1]!;
  const subject = functionSubject(functionName);
  return `${subject} failed on the worker with ReferenceError: \`${missing}\` is not defined there. ${explainMissingNames('It', functionName, [missing], true)}`;
}

/**
 * A task's failure as it travels from a worker: the wire form of the error (`toWireError`), with a
 * ReferenceError about an undefined name explained. Shared by worker threads and the sync mode, so
 * both report the same thing.
 */
export function describeTaskFailure(
  error: unknown,
  key: string | undefined,
  functionName: string,
  toWire: (error: unknown, key?: string) => { name: string; message: string },
): { name: string; message: string } {
  const wire = toWire(error, key);
  if (wire.name === 'ReferenceError') {
    const better = explainReferenceError(wire, functionName);
    if (better) wire.message = better;
  }
  return wire;
}
