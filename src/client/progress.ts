/**
 * Progress of a set of futures on stderr: a bar redrawn at most ten times a second when it is a terminal;
 * otherwise log lines (see `ProgressLog`) that read well in a batch job's log and in a notebook cell.
 */
import type { Future } from './future.js';
import { allDone } from './future-state.js';
import { ProgressLog, type ProgressLogOptions } from './progress-log.js';
import { futureState } from './future.js';

/** Options of {@link progress} and `client.progress`. */
export interface ProgressOptions extends ProgressLogOptions {
  /** Where to draw. @defaultValue process.stderr */
  stream?: NodeJS.WriteStream;
  /** Bar width in characters. @defaultValue 40 */
  width?: number;
}

/**
 * Shows the progress of `futures` until all are done (finished, failed, cancelled or lost), then resolves.
 * On a terminal: a bar with `done/total`, failures and seconds elapsed, redrawn every 100 ms. Otherwise
 * log lines. It never rejects because a task failed; failures are counted.
 * @example
 * ```ts
 * const futures = client.map(simulate, seeds);
 * await progress(futures);
 * ```
 */
export async function progress(futures: Future<unknown>[], options: ProgressOptions = {}): Promise<void> {
  const stream = options.stream ?? process.stderr;
  const width = options.width ?? 40;
  const total = futures.length;
  const started = Date.now();
  const counts = () => {
    let finished = 0;
    let failed = 0;
    for (const f of futures) {
      if (f.status === 'finished') finished++;
      else if (f.status !== 'pending') failed++;
    }
    return { finished, failed };
  };
  const line = () => {
    const { finished, failed } = counts();
    const done = finished + failed;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} done${failed ? `, ${failed} failed` : ''} | ${seconds} s`;
  };
  if (stream.isTTY) {
    let timer: NodeJS.Timeout | undefined;
    const draw = () => stream.write(`\r${line()}`);
    draw();
    timer = setInterval(draw, 100);
    try {
      await allDone(futures.map((f) => futureState(f)));
    } finally {
      clearInterval(timer);
      timer = undefined;
      stream.write(`\r${line()}\n`);
    }
    return;
  }
  const log = new ProgressLog(total, (text) => stream.write(`${text}\n`), options);
  const states = futures.map((f) => futureState(f));
  const pending = states.filter((state) => !state.isDone);
  log.start(total - pending.length, states.filter((state) => state.isDone && state.status !== 'finished').length);
  for (const state of pending) state.whenDone(() => log.settled(state.status !== 'finished'));
  await allDone(pending);
  log.finish();
}
