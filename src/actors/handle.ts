/**
 * The client's handle on an actor: a Proxy whose members submit the actor's tasks. A method name gives
 * a function that submits a call; any other name submits the read of that attribute; both return
 * futures. Which names are methods is read from the class on the client (its prototype chain), so a
 * field assigned in the constructor reads as an attribute. The handle holds the future of the actor's
 * construction, so the actor lives as long as the handle (or until `release()`).
 */
import { randomUUID } from 'node:crypto';
import type { inspect, InspectOptionsStylized } from 'node:util';
import type { ActorTaskPart } from '../protocol/messages.js';
import { CancelledError, FlotillaError } from '../errors/index.js';
import type { Future, FutureOwner } from '../client/future.js';
import type { PreparedTask } from '../client/session.js';
import { prepareTask } from '../client/task-preparation.js';
import type { ShippedFunction } from '../serialize/function-source.js';
import { inspectCustom, inspectSummary } from '../util/inspect-summary.js';
import { futureState } from '../client/future.js';
import { CallLine } from './call-line.js';
import { DirectRoute, type DirectPort } from './direct.js';
import { RESERVED_NAMES, type ActorControls } from './types.js';

/** What a handle needs from its client. */
export interface ActorPort {
  /** The client's futures' owner: futures passed as arguments must be its own. */
  readonly owner: FutureOwner;
  checkOpen(what: string): void;
  futureFor(key: string): Future<unknown>;
  submitTasks(tasks: PreparedTask[]): void;
  /** The straight way to the actor's worker, when the session has one (src/actors/direct.ts). */
  readonly direct: DirectPort;
}

/** The class an actor is made of, as the handle knows it. */
export interface ActorClass {
  readonly shipped: ShippedFunction;
  readonly name: string;
  readonly methods: ReadonlySet<string>;
}

/** The local instance in `sync` mode, where the actor's tasks run in the caller. */
interface SyncInstance {
  object: Record<string | symbol, unknown> | undefined;
  /** Its calls in call order, `maxConcurrency` async ones at once (see call-line.ts). */
  line: CallLine | undefined;
}

/** Names of the methods of `cls` (its prototype chain up to Object.prototype) and of its getters. */
export function classMembers(cls: Function): { methods: Set<string>; all: Set<string> } {
  const methods = new Set<string>();
  const all = new Set<string>();
  for (let proto = cls.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || all.has(name)) continue;
      all.add(name);
      const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
      if (typeof descriptor.value === 'function') methods.add(name);
    }
  }
  return { methods, all };
}

/** The first of the handle's own names that `cls` also uses, if any. */
export function reservedMember(cls: Function): string | undefined {
  const { all } = classMembers(cls);
  return RESERVED_NAMES.find((name) => all.has(name));
}

/**
 * Makes the `create` task of a new actor and its handle.
 * @returns the task to submit, and the handle (typed by the caller).
 */
export function createActor(port: ActorPort, cls: ActorClass, ctor: Function, args: unknown[], part: Omit<ActorTaskPart, 'actor' | 'kind' | 'name'>, options: PreparedTask['options']): { task: PreparedTask; handle: object } {
  const key = `${cls.name}-${randomUUID()}`;
  const local: SyncInstance = { object: undefined, line: undefined };
  const construct = (...ctorArgs: unknown[]): null => {
    local.object = Reflect.construct(ctor, ctorArgs) as Record<string | symbol, unknown>;
    local.line = new CallLine(part.maxConcurrency ?? 1);
    return null;
  };
  const task = prepareTask(port.owner, cls.shipped, construct, args, options, key, `submitActor(${cls.name})`);
  task.actor = { actor: key, kind: 'create', name: cls.name, ...part };
  const constructed = port.futureFor(key) as Future<null>;
  return { task, handle: handleProxy(port, cls, key, constructed, local) };
}

function handleProxy(port: ActorPort, cls: ActorClass, key: string, constructed: Future<null>, local: SyncInstance): object {
  let released = false;
  const callers = new Map<string, (...args: unknown[]) => Future<unknown>>();
  const route = new DirectRoute(port.direct, key, constructed);

  const submit = (kind: 'call' | 'get', name: string, args: unknown[]): Future<unknown> => {
    const what = kind === 'call' ? `${cls.name}.${name}()` : `${cls.name}.${name}`;
    port.checkOpen(what);
    if (released) throw new FlotillaError(`${what} on actor ${key}, which was released; keep the handle (and do not call release()) while you use the actor, or create a new one`);
    if (constructed.status === 'cancelled') {
      throw new CancelledError(`${what} on actor ${key}, which was cancelled (by client.restart() or by cancelling actor.constructed); create a new actor`, { keys: [key] });
    }
    // In sync mode the instance is here: its calls keep their order and concurrency through its line.
    const line = local.line;
    const ticket = line?.ticket() ?? 0;
    const body = kind === 'call'
      ? (callArgs: unknown[]) => (local.object![name] as (...a: unknown[]) => unknown).apply(local.object, callArgs)
      : () => local.object![name];
    const callable = line ? (...callArgs: unknown[]) => line.run(ticket, () => body(callArgs)) : (...callArgs: unknown[]) => body(callArgs);
    const task = prepareTask(port.owner, cls.shipped, callable, args, { pure: false }, `${cls.name}.${name}-${randomUUID()}`, what);
    task.actor = { actor: key, kind, name };
    const future = port.futureFor(task.key);
    // A call that fails on an input never runs: the calls behind it must not wait for it.
    if (line) futureState(future).whenDone(() => line.skip(ticket));
    if (!route.send(task)) {
      port.submitTasks([task]);
      route.routed(future);
    }
    return future;
  };

  const controls: ActorControls = {
    actorKey: key,
    constructed,
    release: () => {
      if (released) return;
      released = true;
      constructed.release();
    },
  };
  const describe = (depth: number, options: InspectOptionsStylized, inspectFn: typeof inspect): string =>
    inspectSummary(`Actor<${cls.name}>`, { key, status: released ? 'released' : constructed.status }, depth, options, inspectFn, true);

  // The target holds the construction's future: the actor lives while the handle does.
  const target = { controls };
  return new Proxy(target, {
    get(_target, property) {
      if (typeof property === 'symbol') return property === inspectCustom ? describe : undefined;
      if (property === 'then') return undefined; // not awaitable: `await handle` is the handle
      if (property in controls) return controls[property as keyof ActorControls];
      if (cls.methods.has(property)) {
        let caller = callers.get(property);
        if (!caller) callers.set(property, (caller = (...args: unknown[]) => submit('call', property, args)));
        return caller;
      }
      if (property === 'toString') return () => `<Actor ${key}>`;
      return submit('get', property, []);
    },
    // Listing a handle's members is how values are walked to be sent: a handle does not travel.
    ownKeys() {
      throw new FlotillaError(`actor handle ${key} (Actor<${cls.name}>) cannot be passed into a task or stored in a value sent to the cluster; pass the futures its calls return instead (client.submit(fn, actor.method(x))), or call the actor here and send the results`);
    },
    set(_target, property) {
      throw new FlotillaError(`cannot set ${String(property)} on actor ${key} from the client: the actor's state lives on its worker; add a method that sets it and call that`);
    },
  });
}
