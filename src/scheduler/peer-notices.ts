/**
 * What the scheduler tells peers that sent something it will not act on, kept few: warnings about bad
 * messages are summarised per kind, a client (or would-be worker) hears why a message was refused at
 * most once a second, and a dropped worker that keeps talking is told `unknown-worker` once per 5 s,
 * so it registers again once instead of once per message it had in flight (a client the scheduler
 * timed out is told `unknown-client` the same way, so it says hello again and resubmits its tasks).
 */
import { ProtocolError } from '../errors/index.js';
import type { SchedulerMessage } from '../protocol/messages.js';
import type { MessageProblem } from '../protocol/validate.js';
import { toWireError } from '../protocol/wire-error.js';
import { WarningSummary } from '../util/warning-summary.js';

/** A peer told `unknown-worker` (or `unknown-client`) is not told again for this long. */
export const UNKNOWN_WORKER_REPEAT_MS = 5_000;
/** A peer answered about a refused message is not answered again for this long. */
export const REFUSAL_ANSWER_MS = 1_000;

export class PeerNotices {
  /** Warnings about bad messages: one line per kind every few seconds, with a count. */
  readonly warnings: WarningSummary;
  /** Peers told `unknown-worker` or `unknown-client`, and when. */
  readonly #toldUnknown = new Map<string, number>();
  /** Peers last answered about a refused message, and when. */
  readonly #answered = new Map<string, number>();

  constructor(warn: (line: string) => void, private readonly send: (peer: string, message: SchedulerMessage) => void) {
    this.warnings = new WarningSummary(warn);
  }

  /** Whether `peer` may be answered about a refusal now; if so, the answer is counted. */
  mayAnswer(peer: string, now = Date.now()): boolean {
    if (now - (this.#answered.get(peer) ?? -Infinity) < REFUSAL_ANSWER_MS) return false;
    this.#answered.set(peer, now);
    return true;
  }

  /** Logs refused messages; with `answer`, the peer also hears the first problem of the batch. */
  refused(peer: string, errors: MessageProblem[], answer: boolean): void {
    if (errors.length === 0) return;
    for (const error of errors) this.warnings.warn(error.kind, error.message);
    if (!answer || !this.mayAnswer(peer)) return;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more in the same batch)` : '';
    this.send(peer, { op: 'error', error: toWireError(new ProtocolError(`${errors[0]!.message}${more}`)) });
  }

  /** Tells a peer we do not know, that talks as a worker or a client, to register or say hello again (once per 5 s). */
  tellUnknown(peer: string, role: 'worker' | 'client', now: number): void {
    const told = this.#toldUnknown.get(peer);
    if (told !== undefined && now - told < UNKNOWN_WORKER_REPEAT_MS) return;
    this.#toldUnknown.set(peer, now);
    this.send(peer, role === 'worker' ? { op: 'unknown-worker' } : { op: 'unknown-client' });
  }

  /** The peer registered or left: it may be told again. */
  forget(peer: string): void {
    this.#toldUnknown.delete(peer);
  }

  /** Forgets what is old enough to be said again (called with the liveness check). */
  prune(now: number): void {
    for (const [peer, told] of this.#toldUnknown) if (now - told >= UNKNOWN_WORKER_REPEAT_MS) this.#toldUnknown.delete(peer);
    for (const [peer, answered] of this.#answered) if (now - answered >= REFUSAL_ANSWER_MS) this.#answered.delete(peer);
  }

  /** Writes pending warning summaries. */
  close(): void {
    this.warnings.close();
  }
}
