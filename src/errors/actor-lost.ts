import { errorClass } from './base.js';

/**
 * An actor is gone: the worker (or the thread) it lived on died, or it was released. Thrown by calls
 * and attribute reads that did not finish on it, and by later ones unless the actor was restarted
 * (`maxRestarts`). The message names the actor, where it lived and why it is gone.
 */
export class ActorLostError extends errorClass('ACTOR_LOST', 'ActorLostError') {
  /** The actor's key (as in `handle.actorKey`), when known. */
  readonly actor: string;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, fields: { actor?: string } = {}, options?: ErrorOptions) {
    super(message, options);
    this.actor = fields.actor ?? '';
  }
}
