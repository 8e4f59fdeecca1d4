/**
 * Reads a text file line by line without holding it as one string, so combined files larger than
 * V8's maximum string length (about 512 MiB) can still be read.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
const MIN_CHUNK_BYTES = 64 * 1024;

/** One line of a file: its text (without `\n` or a trailing `\r`) and its 1-based number. */
export interface NumberedLine {
  text: string;
  lineNumber: number;
}

/**
 * Yields the lines of `file` in batches (one batch per chunk read), so callers pay the cost of an
 * async step per chunk, not per line. A last line without a final newline is still delivered.
 */
export async function* lineBatches(file: string): AsyncGenerator<NumberedLine[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    // One read for small regular files (size + 1 so the next read sees end of file at once);
    // pipes and special files report size 0, so they get a modest buffer.
    const chunkBytes = Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, size + 1));
    const buffer = Buffer.allocUnsafe(chunkBytes);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let lineNumber = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      const text = carry + decoder.write(buffer.subarray(0, bytesRead));
      const batch: NumberedLine[] = [];
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        batch.push({ text: stripCarriageReturn(text.slice(start, end)), lineNumber: ++lineNumber });
        start = end + 1;
      }
      carry = text.slice(start);
      if (batch.length > 0) yield batch;
    }
    carry += decoder.end();
    if (carry.length > 0) yield [{ text: stripCarriageReturn(carry), lineNumber: lineNumber + 1 }];
  } finally {
    await handle.close();
  }
}

/** Calls `onLine` for every line of `file`, in order; see {@link lineBatches}. */
export async function forEachLine(file: string, onLine: (text: string, lineNumber: number) => void): Promise<void> {
  for await (const batch of lineBatches(file)) {
    for (const { text, lineNumber } of batch) onLine(text, lineNumber);
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Files up to this size are read in one synchronous call (see {@link readSmallFileSync}). */
export const SMALL_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The whole text of `file` when it is a regular file of at most `SMALL_FILE_BYTES`, read
 * synchronously; undefined when it is larger or not a regular file (read it with {@link lineBatches}).
 *
 * @remarks Why synchronous: a small file costs four trips through libuv's thread pool when read
 * asynchronously (open, fstat, read, close), which measured 10-20 times slower than the same
 * system calls made directly on a busy machine. Callers yield to the event loop between files.
 */
export function readSmallFileSync(file: string): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > SMALL_FILE_BYTES) return undefined;
    const buffer = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < info.size) {
      const bytesRead = readSync(fd, buffer, filled, info.size - filled, null);
      if (bytesRead === 0) break; // shrank while reading: take what is there
      filled += bytesRead;
    }
    return buffer.toString('utf8', 0, filled);
  } finally {
    closeSync(fd);
  }
}

/** Calls `onLine` for each line of a file's text, numbered from 1 (as {@link lineBatches} would deliver them). */
export function forEachLineOfText(text: string, onLine: (line: string, lineNumber: number) => void): void {
  let start = 0;
  let lineNumber = 0;
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
    onLine(stripCarriageReturn(text.slice(start, end)), ++lineNumber);
    start = end + 1;
  }
  if (start < text.length) onLine(stripCarriageReturn(text.slice(start)), lineNumber + 1);
}
