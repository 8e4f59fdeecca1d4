/**
 * `client.submitActor`: checks the class and the options, ships the class as functions are shipped
 * (its source, with what its methods read and import), submits the task that constructs the actor,
 * and returns the actor's handle (src/actors/handle.ts).
 */
import { classMembers, createActor, reservedMember, type ActorPort } from '../actors/handle.js';
import type { ActorHandle, ActorOptions } from '../actors/types.js';
import { ConfigurationError, FlotillaError } from '../errors/index.js';
import { prepareClass } from '../serialize/function-source.js';
import type { ClientCore } from './client-core.js';
import { checkSubmitOptions } from './option-checks.js';

/** A class whose instances an actor may be. */
export type ActorConstructor = abstract new (...args: never[]) => object;

const OPTION_NAMES = new Set(['workers', 'allowOtherWorkers', 'resources', 'maxConcurrency', 'maxRestarts']);

/**
 * @throws ConfigurationError naming a misspelt option, or a `maxConcurrency` / `maxRestarts` that is not a whole number in range.
 */
function checkActorOptions(options: ActorOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigurationError(`submitActor: options must be an object such as { maxRestarts: 1 }, got ${JSON.stringify(options)}; constructor arguments go in the array before it: submitActor(Counter, [10], { maxRestarts: 1 })`);
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new ConfigurationError(`submitActor: unknown option ${JSON.stringify(name)}; the options are ${[...OPTION_NAMES].join(', ')}`);
  }
  checkSubmitOptions(options, 'submitActor');
  const whole = (name: 'maxConcurrency' | 'maxRestarts', min: number): void => {
    const value = options[name];
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > 1_000_000)) {
      throw new ConfigurationError(`submitActor: ${name} must be a whole number from ${min} to 1000000, got ${JSON.stringify(value)}`);
    }
  };
  whole('maxConcurrency', 1);
  whole('maxRestarts', 0);
}

/**
 * Creates an actor of class `cls` on a worker: see `Client.submitActor`.
 * @throws FunctionShippingError when `cls` is not a class or reads what cannot travel.
 * @throws ConfigurationError for bad options or arguments not given as an array.
 * @throws FlotillaError when the class has a member the handle keeps for itself.
 */
export function submitActor<C extends ActorConstructor>(core: ClientCore, cls: C, args: unknown[], options: ActorOptions): ActorHandle<InstanceType<C>> {
  core.checkOpen('submitActor');
  const port: ActorPort = {
    owner: core,
    checkOpen: (what) => core.checkOpen(what),
    futureFor: (key) => core.futureFor(key),
    submitTasks: (tasks) => core.session.submit(tasks),
    direct: {
      ...(core.session.callActor ? { callActor: (task, address, events, endpoint) => core.session.callActor!(task, address, events, endpoint) } : {}),
      whoHas: (keys) => core.session.whoHas(keys),
    },
  };
  const shipped = prepareClass(cls, { what: 'submitActor' });
  if (!Array.isArray(args)) {
    throw new ConfigurationError(`submitActor takes the constructor's arguments as an array, got ${args === null ? 'null' : typeof args}: submitActor(${shipped.name}, [arg1, arg2], options)`);
  }
  checkActorOptions(options);
  const reserved = reservedMember(cls);
  if (reserved) {
    throw new FlotillaError(`class ${shipped.name} has a member named \`${reserved}\`, which an actor handle keeps for itself; rename that member to use ${shipped.name} as an actor`);
  }
  const { methods } = classMembers(cls);
  const { task, handle } = createActor(port, { shipped, name: shipped.name, methods }, cls, args, {
    ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}),
    ...(options.maxRestarts !== undefined ? { maxRestarts: options.maxRestarts } : {}),
  }, {
    pure: false,
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.allowOtherWorkers !== undefined ? { allowOtherWorkers: options.allowOtherWorkers } : {}),
    ...(options.resources ? { resources: options.resources } : {}),
  });
  port.submitTasks([task]);
  return handle as ActorHandle<InstanceType<C>>;
}
