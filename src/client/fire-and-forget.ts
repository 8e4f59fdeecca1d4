/** `fireAndForget(futures)`: Dask's `fire_and_forget`, for futures of any client. */
import { FlotillaError } from '../errors/index.js';
import { ClientCore } from './client-core.js';
import { Future, futureOwner } from './future.js';

/**
 * Lets the tasks behind `futures` (a future, or an iterable of them) run to completion even when the
 * client drops every reference to them or disconnects, as Dask's `fire_and_forget`: the scheduler holds
 * them until they finish (or fail, or are cancelled), then lets their results go. Their inputs are kept
 * until then too. Use it for tasks run for their side effects (writing a file, sending a message).
 * @throws FlotillaError for something that is not a future of a client.
 * @example fireAndForget(client.submit(writeReport, day));
 */
export function fireAndForget(futures: Future<unknown> | Iterable<Future<unknown>>): void {
  const list = futures instanceof Future ? [futures] : [...futures];
  const byClient = new Map<ClientCore, Future<unknown>[]>();
  for (const future of list) {
    const owner = future instanceof Future ? futureOwner(future) : undefined;
    if (!(owner instanceof ClientCore)) {
      throw new FlotillaError(`fireAndForget takes futures returned by a client (submit, map, scatter), got ${String(future)}`);
    }
    byClient.set(owner, [...(byClient.get(owner) ?? []), future]);
  }
  for (const [core, own] of byClient) core.fireAndForget(own.map((f) => f.key));
}
