/**
 * What the client knows about one task key. Every `Future` handle for the key shares this record, so a
 * pure key submitted twice resolves both handles at once.
 */
import type { WireValue } from '../protocol/messages.js';

export type FutureStatus = 'pending' | 'finished' | 'error' | 'cancelled' | 'lost';

/** What a settled key carries. */
export interface SettledFields {
  error?: Error;
  wire?: WireValue;
  value?: unknown;
  hasValue?: boolean;
  nbytes?: number;
}

/** For the common settle with nothing to carry: no object per task. */
export const NO_FIELDS: SettledFields = Object.freeze({});

export class FutureState {
  status: FutureStatus = 'pending';
  /** Handles alive for this key; at zero the client releases the key on the scheduler. */
  refs = 0;
  error: Error | undefined;
  /** A small result that came with the completion report, decoded on first use. */
  wire: WireValue | undefined;
  value: unknown;
  hasValue = false;
  nbytes = 0;
  #settled!: () => void;
  /** Resolves (never rejects) when the status leaves `pending`. */
  done: Promise<void>;

  constructor(readonly key: string) {
    this.done = new Promise((resolve) => (this.#settled = resolve));
  }

  get isDone(): boolean {
    return this.status !== 'pending';
  }

  /** Leaves `pending` for `status` (see the class comment); `nbytes` when given wins over `fields.nbytes`. */
  settle(status: Exclude<FutureStatus, 'pending'>, fields: SettledFields = NO_FIELDS, nbytes = fields.nbytes ?? 0): void {
    if (this.status !== 'pending' && !(status === 'finished' && this.status === 'lost')) {
      // A later report for a settled key (e.g. a retry finishing after a cancel) changes nothing the user saw.
      if (this.status === 'finished' && status !== 'finished') this.#reopenAs(status, fields);
      return;
    }
    this.status = status;
    this.error = fields.error;
    this.wire = fields.wire;
    if (fields.hasValue) {
      this.value = fields.value;
      this.hasValue = true;
    }
    this.nbytes = nbytes;
    this.#settled();
  }

  /** A finished result can later be lost (its holder died and it could not be recomputed). */
  #reopenAs(status: Exclude<FutureStatus, 'pending'>, fields: { error?: Error }): void {
    if (this.hasValue) return; // we still hold the value: nothing is lost for this client
    this.status = status;
    this.error = fields.error;
  }

  /** Back to pending (the task is being computed again after a re-submission). */
  reset(): void {
    if (this.status === 'pending') return;
    this.status = 'pending';
    this.error = undefined;
    this.wire = undefined;
    this.value = undefined;
    this.hasValue = false;
    this.done = new Promise((resolve) => (this.#settled = resolve));
  }
}
