/**
 * The actor living on this thread (an actor's thread hosts one; see thread-pool.ts `openActorThread`):
 * its construction, its method calls and attribute reads. Calls run one at a time, in the order they
 * arrive; with `maxConcurrency` above 1, an async method gives up the thread (as `secede` does) while
 * fewer than that many calls are running, so the next call starts while it awaits.
 */
import type { ActorTaskPart } from '../protocol/messages.js';
import { ActorLostError } from '../errors/actor-lost.js';
import { taskContext } from './task-context.js';

interface LiveActor {
  readonly object: Record<string | symbol, unknown>;
  readonly className: string;
  readonly maxConcurrency: number;
  /** Async calls started and not settled (counted only when maxConcurrency > 1). */
  running: number;
}

const instances = new Map<string, LiveActor>();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Runs one task of an actor: constructs it (the result is null), calls a method, or reads an attribute. */
export function runActorTask(part: ActorTaskPart, cls: unknown, args: unknown[]): unknown {
  if (part.kind === 'create') {
    const object = Reflect.construct(cls as new (...a: unknown[]) => object, args) as Record<string | symbol, unknown>;
    instances.set(part.actor, { object, className: part.name, maxConcurrency: Math.max(1, Math.floor(part.maxConcurrency ?? 1)), running: 0 });
    return null;
  }
  const actor = instances.get(part.actor);
  if (!actor) throw new ActorLostError(`actor ${part.actor} does not live on this thread (it was never constructed here, or its construction failed)`, { actor: part.actor });
  if (part.kind === 'get') return actor.object[part.name];
  const method = actor.object[part.name];
  if (typeof method !== 'function') {
    throw new TypeError(`${actor.className}.${part.name} is not a method (it is ${method === null ? 'null' : typeof method}); read an attribute as \`await actor.${part.name}\``);
  }
  const result: unknown = method.apply(actor.object, args);
  if (actor.maxConcurrency > 1 && isThenable(result)) {
    actor.running++;
    const settled = (): void => {
      actor.running--;
    };
    result.then(settled, settled);
    // Room for another call: let the thread start the next one while this one awaits.
    if (actor.running < actor.maxConcurrency) taskContext.getStore()?.secede();
  }
  return result;
}
