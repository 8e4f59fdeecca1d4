/**
 * Where a worker's log lines go besides stderr: a tail kept in memory (for `client.getWorkerLogs`) and
 * `worker.log` in its local directory, which survives a crash (the directory is removed only on a
 * clean close), for post-mortems.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../util/logger.js';

/** Keeps the most recent lines of `log` in `tail`: between 1,000 and 2,000 of them. */
export function keepLogTail(log: Logger, tail: string[]): void {
  log.addSink((line) => {
    tail.push(line);
    if (tail.length > 2000) tail.splice(0, 1000);
  });
}

/** Appends every line of `log` to `worker.log` in `directory`; returns the file and its stream (end it on close). */
export function openLogFile(log: Logger, directory: string): { file: string; stream: WriteStream } {
  const file = join(directory, 'worker.log');
  const stream = createWriteStream(file, { flags: 'a' });
  stream.on('error', () => {
    // A full or vanished disk must not take the worker down; the in-memory tail still has the lines.
  });
  log.addSink((line) => stream.write(line + '\n'));
  return { file, stream };
}
