/**
 * Requests the scheduler fans out to several workers and answers once (run, scatter, upload, gather):
 * each waits for a set of workers and settles on the last answer, a worker leaving, or its deadline.
 */
export class FanOut<Answer> {
  readonly answers = new Map<string, Answer>();
  readonly waitingFor: Set<string>;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    workers: Iterable<string>,
    private readonly onDone: (answers: Map<string, Answer>, missing: string[]) => void,
    timeoutMs?: number,
  ) {
    this.waitingFor = new Set(workers);
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      this.#timer = setTimeout(() => this.#finish(), timeoutMs);
      this.#timer.unref();
    }
    if (this.waitingFor.size === 0) queueMicrotask(() => this.#finish());
  }

  answer(worker: string, answer: Answer): void {
    if (!this.waitingFor.delete(worker)) return;
    this.answers.set(worker, answer);
    if (this.waitingFor.size === 0) this.#finish();
  }

  /** A worker left: stop waiting for it. */
  drop(worker: string): void {
    if (this.waitingFor.has(worker)) {
      if (this.waitingFor.size === 1) this.#finish();
      else this.waitingFor.delete(worker);
    }
  }

  #done = false;
  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.onDone(this.answers, [...this.waitingFor]);
  }
}
