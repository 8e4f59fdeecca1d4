/**
 * Repeated warnings, summarised: the first warning of a kind is written at once, the next ones of that
 * kind within the window are only counted, and when the window ends one line says how many there were
 * (with the last one). A burst of 100,000 bad messages writes two lines per kind, not 100,000.
 */

/** How long one summary window lasts, in milliseconds. */
export const WARNING_WINDOW_MS = 5_000;

/** At most this many kinds are tracked at once; past it, new kinds share one summary. */
const MAX_KINDS = 64;

interface Window {
  started: number;
  suppressed: number;
  last: string;
}

export class WarningSummary {
  readonly #windows = new Map<string, Window>();
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param write where lines go (a logger's `warn`).
   * @param windowMs how long warnings of one kind are counted before the summary line.
   * @param now the clock (tests pass their own).
   */
  constructor(
    private readonly write: (line: string) => void,
    private readonly windowMs = WARNING_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Warns `message`, or counts it when a warning of `kind` was written within the window. */
  warn(kind: string, message: string): void {
    if (!this.#windows.has(kind) && this.#windows.size >= MAX_KINDS) kind = '(other kinds)';
    const window = this.#windows.get(kind);
    if (window) {
      window.suppressed++;
      window.last = message;
      return;
    }
    this.#windows.set(kind, { started: this.now(), suppressed: 0, last: message });
    this.write(message);
    this.#schedule();
  }

  /** Writes the summaries of windows that have ended; returns how many windows remain open. */
  flush(force = false): number {
    const now = this.now();
    for (const [kind, window] of this.#windows) {
      if (!force && now - window.started < this.windowMs) continue;
      this.#windows.delete(kind);
      if (window.suppressed > 0) {
        this.write(`${window.suppressed} more like this (${kind}) in the last ${Math.round((now - window.started) / 1000)} s; the last: ${window.last}`);
      }
    }
    return this.#windows.size;
  }

  /** Writes what is pending and stops the timer. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.flush(true);
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.flush() > 0) this.#schedule();
    }, this.windowMs);
    this.#timer.unref();
  }
}
