/**
 * Progress as log lines, for where there is no terminal to redraw a bar in: a batch job's output file, a
 * notebook cell, a CI log. Each line stands on its own and reads well when a log is read later:
 *
 *     progress: 0/200 done (0%), 0.0 s elapsed
 *     progress: 20/200 done (10%), 4.1 s elapsed, about 37 s left
 *     progress: 200/200 done (100%), 3 failed, in 40.2 s
 *
 * A line at the start, one each time another tenth of the work is done, and one at the end. Never two
 * within `intervalMs` (the end excepted): a tenth reached inside that window is reported when it closes,
 * with the counts of then. While no tenth is reached, a line every `quietMs` shows the work is alive.
 */

export interface ProgressLogOptions {
  /** Least time between two lines, in milliseconds (the final line excepted). @defaultValue 5000 */
  intervalMs?: number;
  /** Longest time without a line while work is pending, in milliseconds. @defaultValue 60000 */
  quietMs?: number;
}

export class ProgressLog {
  readonly #total: number;
  readonly #write: (line: string) => void;
  readonly #intervalMs: number;
  readonly #quietMs: number;
  readonly #started = Date.now();
  #done = 0;
  #failed = 0;
  #lastLineAt = 0;
  #lastTenth = 0;
  #timer: NodeJS.Timeout | undefined;
  #finished = false;

  constructor(total: number, write: (line: string) => void, options: ProgressLogOptions = {}) {
    this.#total = total;
    this.#write = write;
    this.#intervalMs = options.intervalMs ?? 5_000;
    this.#quietMs = Math.max(options.quietMs ?? 60_000, this.#intervalMs);
  }

  /** Counts what is already settled and writes the first line (when work is pending). */
  start(done = 0, failed = 0): void {
    this.#done = done;
    this.#failed = failed;
    if (this.#done < this.#total) this.#line();
  }

  /** One more future left `pending`; `failed` when it did not finish with a result. */
  settled(failed: boolean): void {
    if (this.#finished) return;
    this.#done++;
    if (failed) this.#failed++;
    if (this.#done === this.#total) return;
    const tenth = Math.floor((this.#done * 10) / this.#total);
    if (tenth <= this.#lastTenth) return;
    const wait = this.#lastLineAt + this.#intervalMs - Date.now();
    if (wait <= 0) this.#line();
    else this.#arm(wait);
  }

  /** Writes the final line and stops the timer. Idempotent. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#write(this.#text());
  }

  #line(): void {
    this.#lastLineAt = Date.now();
    this.#lastTenth = Math.floor((this.#done * 10) / Math.max(1, this.#total));
    this.#write(this.#text());
    this.#arm(this.#quietMs);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#finished) this.#line();
    }, ms);
    // Progress never keeps a process alive by itself.
    this.#timer.unref();
  }

  #text(): string {
    const elapsed = (Date.now() - this.#started) / 1000;
    const percent = this.#total === 0 ? 100 : Math.floor((this.#done * 100) / this.#total);
    const failed = this.#failed ? `, ${this.#failed} failed` : '';
    const head = `progress: ${this.#done}/${this.#total} done (${percent}%)${failed}`;
    if (this.#finished) return `${head}, in ${elapsed.toFixed(1)} s`;
    const remaining = this.#done > 0 ? (elapsed * (this.#total - this.#done)) / this.#done : 0;
    const left = remaining >= 1 ? `, about ${formatSeconds(remaining)} left` : '';
    return `${head}, ${elapsed.toFixed(1)} s elapsed${left}`;
  }
}

/** `37 s`, `4 min 10 s`, `2 h 5 min`: rounded to what a reader of a log needs. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
