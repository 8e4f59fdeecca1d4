/**
 * Shared types of functionMultiprocessing: what it needs from a client, what wrappers receive and
 * return, and what each entry ends up as.
 */

/** A handle to one submitted task: awaitable, and optionally releasable and cancellable (a flotilla `Future` is one). */
export type TaskHandle<R> = PromiseLike<R> & {
  /** Tells the scheduler the caller no longer needs the result held on the worker. */
  release?(): void;
  /** Cancels the task; the handle then rejects (with a `CancelledError` on a flotilla client). */
  cancel?(): Promise<void> | void;
};

/**
 * What functionMultiprocessing needs from a flotilla Client (the real Client satisfies it).
 *
 * @remarks A function given to `submit` travels to the worker as source text (`fn.toString()`),
 * so it may use only its arguments, globals and `await import(...)` inside its body.
 */
export interface TaskClient {
  /** Submits `fn(...args)` as a task, as `Client.submit` does. */
  submit<A extends unknown[], R>(
    fn: (...args: A) => R,
    ...args: A
  ): PromiseLike<Awaited<R>> & { release?(): void; cancel?(): Promise<void> | void };
}

/** The two keys functionMultiprocessing adds to every keyword set before calling the wrapper. */
export interface InjectedKwargs {
  /** The position of this keyword set in `kwargsList` (0-based). Return it unchanged. */
  index: number;
  /**
   * The absolute path of this call's temporary folder (`<tmpDir>/tmp_<uuid>`), shared by all tasks
   * and created before any task starts. Write the task's output file inside it, named by `index`.
   */
  parentTmpDir: string;
}

/** The keyword set a wrapper receives: the caller's keys plus `index` and `parentTmpDir`. */
export type WrapperKwargs<K extends object> = K & InjectedKwargs;

/** The object form of a wrapper's result. */
export interface WrapperResultObject {
  /** The `index` the wrapper was given. */
  index: number;
  /** Whether the wrapper produced its output. Only successful entries are recombined. */
  success: boolean;
  /** The output file (absolute, or relative to the caller's working directory); may be null when `success` is false. */
  file?: string | null;
  /** The uuids of the parts to copy into the combined file (their references are copied with them). */
  uuids?: readonly string[] | null;
}

/** The tuple form of a wrapper's result: `[index, success, file, uuids]`. */
export type WrapperResultTuple = readonly [
  index: number,
  success: boolean,
  file: string | null | undefined,
  uuids: readonly string[] | null | undefined,
];

/** What a wrapper returns: the object form or the tuple form. */
export type WrapperResult = WrapperResultObject | WrapperResultTuple;

/**
 * A function run once per keyword set. On a cluster it travels with what it reads (values,
 * helpers, imports), as any task function does; it may also import what it needs inside its body
 * (`const { PartStore } = await import('flotilla')`).
 */
export type Wrapper<K extends object> = (kwargs: WrapperKwargs<K>) => WrapperResult | Promise<WrapperResult>;

/** The outcome of one keyword set, after its task and the recombination. */
export interface MultiprocessingEntry {
  /** The position of the keyword set in `kwargsList`. */
  index: number;
  /** True when the wrapper succeeded, its file was found, and its parts were recombined. */
  success: boolean;
  /** The absolute path of the entry's output file, or null when the wrapper gave none. */
  file: string | null;
  /** The uuids the wrapper returned (empty when it failed). */
  uuids: string[];
  /** Why the entry failed, when something threw (a wrapper that returns `success: false` leaves it undefined). */
  error?: Error;
}
