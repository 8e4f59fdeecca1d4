/** Options of `client.profile`. */
export interface ProfileOptions {
  /** Samples taken at or after this time (a `Date` or ms since the epoch). @defaultValue the oldest each worker keeps */
  start?: number | Date;
  /** Samples taken at or before this time. @defaultValue now */
  stop?: number | Date;
  /**
   * Only samples taken while this task (or one of these; a key or a future) ran on the sampled thread.
   * @example client.profile({ key: future })
   */
  key?: string | { key: string } | ReadonlyArray<string | { key: string }>;
  /** Only samples taken while a task of this group (its function's name, as in the task stream) ran. */
  group?: string;
  /** The workers to ask (ids, names, addresses or hosts). @defaultValue every running worker */
  workers?: string[];
  /**
   * Also write the samples to this `.cpuprofile` file (parent folders created), which Chrome DevTools
   * (Performance panel, "Load profile") and speedscope open.
   */
  filename?: string;
  /** How long to wait for the workers' samples, in milliseconds. @defaultValue 30000 */
  timeoutMs?: number;
}
