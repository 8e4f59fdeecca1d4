import type { LocalClusterOptions } from '../cluster/local-cluster-options.js';
import type { CurveCredentials } from '../transport/security.js';

/** How tasks run. `processes`: a LocalCluster of worker processes (default). `threads`: scheduler and workers inside this process. `sync`: each task runs at once in the caller, for debugging with a normal stack. */
export type ExecutionMode = 'processes' | 'threads' | 'sync';

/** Options of `Client.connect`. */
export interface ConnectOptions extends LocalClusterOptions {
  /** How long to wait for the scheduler to answer, in milliseconds. @defaultValue 10000 */
  timeoutMs?: number;
  /** Execution mode when no cluster or address is given. @defaultValue FLOTILLA_MODE, then `mode` in the config file, then 'processes' */
  mode?: ExecutionMode;
  /**
   * For a scheduler at an address: its keys, or the path of its security file (what `flotilla-scheduler`
   * printed); `false` connects without keys. A cluster object brings its own.
   * @defaultValue the file named by FLOTILLA_SECURITY_FILE when set, else none
   */
  security?: CurveCredentials | string | false;
}

/** Per-call options of `submit` and `map`, given through `client.with(options)`. */
export interface SubmitOptions {
  /** Times a failing task is run again before its future errs. @defaultValue 0 */
  retries?: number;
  /** Higher runs first among ready tasks. @defaultValue 0 */
  priority?: number;
  /**
   * `submit`: use this key instead of a generated one. `map`: a prefix (each key is the prefix and a hash of
   * the element's arguments, so equal calls share a key, as in Dask), or a list of keys, one per element.
   */
  key?: string | readonly string[];
  /** Same function and arguments → same key, computed once, as in Dask. `false` gives every call a new key. @defaultValue true */
  pure?: boolean;
  /**
   * Worker ids, names, hosts or addresses the task must run on. A task no connected worker may run waits
   * for one to join; the client logs once why (see `resources`).
   */
  workers?: string[];
  /** With `workers`: prefer them, but allow others. @defaultValue false */
  allowOtherWorkers?: boolean;
  /**
   * Abstract resources held while the task runs, e.g. `{ GPU: 1 }`; only workers offering them run it, and
   * never more at once than a worker offers. When no connected worker offers them, the task waits for one
   * and the client logs a warning once, naming what was asked, what is offered and a likely typo
   * (`gpu` for `GPU`).
   */
  resources?: Record<string, number>;
}

/** Options of `client.run`, given through `client.with(options)`. */
export interface RunOptions {
  /** Run only on these workers (ids, names, hosts or addresses). @defaultValue all workers */
  workers?: string[];
  /** `raise`: reject naming the failing workers; `return`: put the Error in the result map; `ignore`: leave failing workers out. @defaultValue 'raise' */
  onError?: 'raise' | 'return' | 'ignore';
  /** Per-worker time limit in milliseconds. @defaultValue 60000 */
  timeoutMs?: number;
}

/** Options of `client.with(options)`: those of `submit`/`map` and of `run` together. */
export type ViewOptions = SubmitOptions & RunOptions;

/** Options of `client.scatter`. */
export interface ScatterOptions {
  /** Put a copy on every (chosen) worker. @defaultValue false */
  broadcast?: boolean;
  /** Only these workers (ids, names, hosts or addresses). */
  workers?: string[];
  /** Key the data by a hash of its bytes, so scattering equal data twice keeps one copy. @defaultValue false (hashing 1 GB costs about a second) */
  hash?: boolean;
}
