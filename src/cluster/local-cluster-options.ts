/** Options of `LocalCluster` (also accepted by `Client.connect()` when it starts one). */
export interface LocalClusterOptions {
  /**
   * Worker processes (or in-process workers with `processes: false`). One process holds one copy of
   * each stored value for all its threads; more processes isolate tasks from each other (a crash, a
   * global) at one copy per process. @defaultValue 1 (with a task thread per core), or cores / threadsPerWorker
   */
  nWorkers?: number;
  /** Task threads per worker. @defaultValue cores / nWorkers, at least 1 */
  threadsPerWorker?: number;
  /** Memory limit per worker: bytes or a string like '2 GB'. 'auto' splits the machine's memory. @defaultValue 'auto' */
  memoryLimit?: number | string;
  /**
   * Interface the scheduler and workers listen on (TCP, secured with this cluster's CURVE keys).
   * @defaultValue none: Unix sockets in a private directory, reachable by this user only
   */
  host?: string;
  /** The scheduler's TCP port (on `host`, default 127.0.0.1, with CURVE); 0 chooses any free port. @defaultValue none: a Unix socket */
  schedulerPort?: number;
  /** Extra environment variables for worker processes. */
  env?: Record<string, string>;
  /** `false` runs the workers inside this process (the `threads` execution mode). @defaultValue true */
  processes?: boolean;
  /** Worker deaths while running one task before it fails with KilledWorkerError. @defaultValue 3 */
  allowedFailures?: number;
  /** Check the scheduler's invariants after every event (slow; for tests). @defaultValue false */
  validate?: boolean;
  /** Stop the scheduler's transitions with an error after this many (tests: catches a transition loop). @defaultValue no limit */
  transitionLimit?: number;
  /** Abstract resources each worker offers, e.g. `{ GPU: 1 }`. */
  resources?: Record<string, number>;
  /** Exit a worker that cannot reach the scheduler for this long, in seconds. @defaultValue 60 */
  deathTimeout?: number;
  /**
   * Time between two samples of a task thread's stack for `client.profile`, in milliseconds; 0 turns
   * the profiler off. @defaultValue 10
   */
  profileIntervalMs?: number;
  /**
   * Where the status page listens: a port (`8787`), `':8787'`, or `'host:port'`; `false` turns it off.
   * When the port is taken it moves to a free one and says so. @defaultValue 8787
   */
  dashboardAddress?: string | number | false;
}
