/**
 * Runs the wrapper once per keyword set (on a client, or in this process), at most `concurrency` at
 * a time, checks each result, and waits for each output file. One entry's failure never stops the
 * others.
 */
import PQueue from 'p-queue';
import { CancelledError } from '../errors/index.js';
import { injectKwargs } from './kwargs.js';
import { waitForFile } from './file-wait.js';
import { checkWrapperResult } from './wrapper-result.js';
import type { FileWaitOptions } from './options.js';
import type { MultiprocessingEntry, TaskClient, Wrapper, WrapperKwargs } from './types.js';

/** What {@link runTasks} needs to know. */
export interface RunSettings {
  client: TaskClient | undefined;
  concurrency: number;
  signal: AbortSignal | undefined;
  fileWait: Required<FileWaitOptions>;
  /** Entries already done (carried over from an interrupted run): not run again. */
  carried?: ReadonlyMap<number, MultiprocessingEntry>;
  /** Called once per entry that succeeded (wrapper done and file seen), as soon as it is known; must not throw. */
  onSuccess?: (entry: MultiprocessingEntry & { file: string }) => void;
}

interface Cancellable {
  cancel?(): Promise<void> | void;
}

/**
 * Runs every keyword set and returns one entry per set, in `kwargsList` order. When `signal`
 * aborts, queued sets are dropped, in-flight tasks on a client are cancelled (a wrapper running in
 * this process is let finish), and the dropped and cancelled entries fail with `CancelledError`.
 */
export async function runTasks<K extends object>(
  wrapper: Wrapper<K>,
  kwargsList: readonly K[],
  parentTmpDir: string,
  settings: RunSettings,
): Promise<MultiprocessingEntry[]> {
  const { client, signal } = settings;
  const entries: Array<MultiprocessingEntry | undefined> = new Array(kwargsList.length).fill(undefined);
  const inFlight = new Set<Cancellable>();
  /** Rejecters of the tasks being awaited: one abort listener serves them all, however many are in flight. */
  const abortWaiters = new Set<() => void>();
  const queue = new PQueue({ concurrency: settings.concurrency });
  let unexpected: unknown;

  const call = async (kwargs: WrapperKwargs<K>): Promise<unknown> => {
    if (client === undefined) return await wrapper(kwargs);
    // The wrapper itself is submitted (not a closure around it): it travels to workers as source text.
    const handle = client.submit(wrapper, kwargs);
    inFlight.add(handle);
    try {
      return await untilAborted(handle, signal, abortWaiters);
    } finally {
      inFlight.delete(handle);
      handle.release?.();
    }
  };

  /** Waits for a successful entry's file outside the queue, so a slow file does not hold a task slot. */
  const fileWaits: Array<Promise<void>> = [];
  const awaitFile = async (entry: MultiprocessingEntry & { file: string }): Promise<void> => {
    try {
      await waitForFile(entry.file, { ...settings.fileWait, signal });
      entries[entry.index] = entry;
    } catch (error) {
      entries[entry.index] = { ...entry, success: false, error: asError(error) };
      return;
    }
    settings.onSuccess?.(entry);
  };

  const runOne = async (index: number): Promise<void> => {
    if (signal?.aborted === true) return; // left undefined: filled in as cancelled below
    const kwargs = injectKwargs(kwargsList[index] as K, index, parentTmpDir);
    try {
      const { success, file, uuids } = checkWrapperResult(await call(kwargs), index);
      if (success && file !== null) fileWaits.push(awaitFile({ index, success, file, uuids }));
      else entries[index] = { index, success, file, uuids };
    } catch (error) {
      entries[index] = { index, success: false, file: null, uuids: [], error: asError(error) };
    }
  };

  const onAbort = (): void => {
    queue.clear();
    for (const abortWaiter of abortWaiters) abortWaiter();
    abortWaiters.clear();
    for (const handle of inFlight) {
      // Cancelling is best effort: the entry already fails with CancelledError whatever cancel does.
      Promise.resolve()
        .then(() => handle.cancel?.())
        .catch(() => undefined);
    }
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let index = 0; index < kwargsList.length; index++) {
      const done = settings.carried?.get(index);
      if (done !== undefined) {
        entries[index] = done;
        continue;
      }
      queue.add(() => runOne(index)).catch((error: unknown) => {
        unexpected ??= error; // runOne catches everything it expects; this is a bug, rethrown below
      });
    }
    if (signal?.aborted === true) onAbort();
    await queue.onIdle();
    await Promise.all(fileWaits);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (unexpected !== undefined) throw unexpected;
  return entries.map(
    (entry, index) =>
      entry ?? {
        index,
        success: false,
        file: null,
        uuids: [],
        error: new CancelledError(`keyword set ${index} was not run: the call was cancelled.`, { cause: signal?.reason }),
      },
  );
}

/**
 * Awaits `handle`, or rejects with CancelledError as soon as `signal` aborts (the handle's later
 * outcome is then ignored). The caller's single abort listener calls the rejecters in `waiters`:
 * a listener per task would be thousands of listeners on one signal.
 */
function untilAborted<T>(handle: PromiseLike<T>, signal: AbortSignal | undefined, waiters: Set<() => void>): Promise<T> {
  const result = Promise.resolve(handle);
  if (signal === undefined) return result;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      result.catch(() => undefined); // its rejection (usually CancelledError) no longer matters
      reject(new CancelledError('the task was cancelled because the call was aborted.', { cause: signal.reason }));
    };
    if (signal.aborted) return onAbort();
    waiters.add(onAbort);
    result.then(
      (value) => {
        waiters.delete(onAbort);
        resolve(value);
      },
      (error: unknown) => {
        waiters.delete(onAbort);
        reject(error);
      },
    );
  });
}

function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(`the wrapper threw a non-Error value: ${String(value)}`);
}
