/** `client.with(options)`: a view that submits, maps and runs with fixed options. */
import type { AnyFn, ViewTarget } from './client-core.js';
import type { Fn, MapIterables, MaybeFuture } from './client-types.js';
import type { Future } from './future.js';
import type { ViewOptions } from './options.js';

/**
 * `client.with(options)`: submit, map and run with fixed options. Each call checks the options as
 * `Client.submit` does (ConfigurationError naming the bad one).
 * @example
 * ```ts
 * const urgent = client.with({ priority: 10, retries: 2 });
 * const f = urgent.submit(fetchPage, url);
 * ```
 */
export class ClientView {
  readonly #target: ViewTarget;
  readonly #options: ViewOptions;

  /** @internal Made by {@link Client.with}. */
  constructor(target: ViewTarget, options: ViewOptions) {
    this.#target = target;
    this.#options = options;
  }

  /** As {@link Client.submit}, with this view's options. */
  submit<A extends unknown[], R>(fn: Fn<A, R>, ...args: MaybeFuture<A>): Future<Awaited<R>> {
    return this.#target.submitWith(this.#options, fn as AnyFn, args as unknown[]) as Future<Awaited<R>>;
  }

  /** As {@link Client.map}, with this view's options. */
  map<T extends unknown[], R>(fn: (...args: T) => R, ...iterables: MapIterables<T>): Future<Awaited<R>>[] {
    return this.#target.mapWith(this.#options, fn as AnyFn, iterables as Iterable<unknown>[]) as Future<Awaited<R>>[];
  }

  /** As {@link Client.run}, with this view's `workers`, `onError` and `timeoutMs`. */
  run<A extends unknown[], R>(fn: Fn<A, R>, ...args: A): Promise<Record<string, Awaited<R> | Error>> {
    return this.#target.runWith(this.#options, fn as AnyFn, args) as Promise<Record<string, Awaited<R> | Error>>;
  }

  /** A view with these options added. */
  with(options: ViewOptions): ClientView {
    return new ClientView(this.#target, { ...this.#options, ...options });
  }
}
