import { FlotillaError } from './base.js';

/**
 * An actor is gone: the worker (or the thread) it lived on died, or it was released. Thrown by calls
 * and attribute reads that did not finish on it, and by later ones unless the actor was restarted
 * (`maxRestarts`). The message names the actor, where it lived and why it is gone.
 */
export class ActorLostError extends FlotillaError {
  /** Always `'ACTOR_LOST'`: a stable identifier to branch on (it survives the trip from a worker). */
  override readonly code = 'ACTOR_LOST';
  /** Always `'ActorLostError'`, the class's name (kept on errors rebuilt from the wire). */
  override name = 'ActorLostError' as const;
  /** The actor's key (as in `handle.actorKey`), when known. */
  readonly actor: string;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, fields: { actor?: string } = {}, options?: ErrorOptions) {
    super(message, options);
    this.actor = fields.actor ?? '';
  }
}
