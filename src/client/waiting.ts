/** Bounded waits: every long wait takes a time limit and an AbortSignal, and cleans up its listeners. */
import { CancelledError, TimeoutError } from '../errors/index.js';

export interface BoundOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Waits for `promise` unless the time limit passes (TimeoutError with `describeTimeout()`) or the signal
 * aborts (CancelledError with the signal's reason as cause) first.
 */
export function bounded<T>(promise: Promise<T>, options: BoundOptions | undefined, describeTimeout: () => string): Promise<T> {
  const { timeoutMs, signal } = options ?? {};
  if (signal?.aborted) return Promise.reject(new CancelledError('the wait was aborted before it started', { cause: signal.reason }));
  if (timeoutMs === undefined && !signal) return promise;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      cleanup();
      reject(new CancelledError('the wait was aborted by its signal', { cause: signal!.reason }));
    };
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        cleanup();
        reject(new TimeoutError(describeTimeout()));
      }, timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
