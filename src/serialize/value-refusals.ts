/**
 * Reasons for refusing objects the codec cannot carry (Promises, weak collections, boxed
 * primitives, class instances), each with what to send instead.
 */
import { className } from './describe.js';

const WEAK_KINDS = new Map<object, string>([
  [WeakMap.prototype, 'WeakMap'],
  [WeakSet.prototype, 'WeakSet'],
  [WeakRef.prototype, 'WeakRef'],
  [FinalizationRegistry.prototype, 'FinalizationRegistry'],
]);

const BOXED_PRIMITIVES = new Map<object, string>([
  [Number.prototype, 'Number'],
  [String.prototype, 'String'],
  [Boolean.prototype, 'Boolean'],
  [BigInt.prototype, 'BigInt'],
  [Symbol.prototype, 'Symbol'],
]);

/** Why an object of an unsupported kind cannot be sent, and what to send instead. */
export function refusalReasonForObject(value: object): string {
  const prototype = Object.getPrototypeOf(value) as object;
  if (value instanceof Promise) {
    return 'is a Promise; a pending result cannot be sent. Await it before submitting, or pass a Future (what client.submit returns) so the scheduler waits for it.';
  }
  const weakKind = WEAK_KINDS.get(prototype);
  if (weakKind !== undefined) {
    return `is a ${weakKind}; its contents are held weakly and cannot be read out or sent. Send a ${weakKind === 'WeakSet' ? 'Set' : 'Map'} or plain data instead.`;
  }
  const boxed = BOXED_PRIMITIVES.get(prototype);
  if (boxed !== undefined) {
    return `is a boxed ${boxed} object (new ${boxed}(…)); send the primitive instead (value.valueOf()).`;
  }
  const name = className(value);
  const what = name === undefined ? 'an object with a custom prototype' : `an instance of class ${name}`;
  return `is ${what}; only its data could travel and its methods and prototype would be lost. Send a plain object (for example { ...obj }), or reconstruct the class inside the task.`;
}
