/**
 * Frees received chunk buffers promptly. ZeroMQ hands received frames to JavaScript as external memory
 * that V8 does not count toward its heap, so nothing prompts a collection while hundreds of 1 MiB chunks
 * pile up as garbage. Collecting as chunks are consumed keeps a worker's peak memory at the size of the
 * data it keeps. How hard depends on the value's size: for a value of hundreds of megabytes the few
 * megabytes of slack matter (a full collection every 2 MiB: peak 1.09-1.10x an 800 MB array, measured),
 * for smaller ones bandwidth matters more (a cheap young-generation collection every 4 MiB).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type?: 'major' | 'minor' }) => void;
let collect: Collect | null | undefined;

function collector(): Collect | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    } catch {
      // A runtime that refuses the flag just collects later, on its own schedule.
      collect = null;
    }
  }
  return collect;
}

/** Values at least this large are received under the strict policy. */
export const LARGE_VALUE_BYTES = 256 * 1024 * 1024;

/** Collects garbage as chunks of a stream are consumed (enabled on workers). */
export class ChunkReclaimer {
  #sinceLast = 0;
  constructor(private readonly enabled: boolean) {}

  consumed(bytes: number, streamTotal: number): void {
    if (!this.enabled) return;
    this.#sinceLast += bytes;
    const strict = streamTotal >= LARGE_VALUE_BYTES;
    if (this.#sinceLast < (strict ? 2 : 4) * 1024 * 1024) return;
    this.#sinceLast = 0;
    const gc = collector();
    if (!gc) return;
    if (strict) gc();
    else gc({ type: 'minor' });
  }
}
