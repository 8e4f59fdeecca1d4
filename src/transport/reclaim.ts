/**
 * Frees received chunk buffers promptly. ZeroMQ hands received frames to JavaScript as external memory
 * that V8 does not count toward its heap, so nothing prompts a collection while hundreds of 1 MiB chunks
 * pile up as garbage. A minor collection every few dozen megabytes received keeps a worker's peak memory
 * at the size of the data it keeps, not twice that.
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

/** Collects garbage after every `everyBytes` of consumed chunks (tight on workers, loose elsewhere). */
export class ChunkReclaimer {
  #sinceLast = 0;
  constructor(private readonly everyBytes: number) {}

  consumed(bytes: number): void {
    this.#sinceLast += bytes;
    if (this.#sinceLast < this.everyBytes) return;
    this.#sinceLast = 0;
    collector()?.();
  }
}
