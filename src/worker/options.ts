import type { WireLimits } from '../transport/limits.js';
import type { CurveCredentials } from '../transport/security.js';

/** Options of a worker process (what `flotilla-worker` parses from its command line). */
export interface WorkerOptions {
  /** The scheduler's address, `tcp://host:port` or `ipc:///path` (then the data service binds next to it). */
  scheduler: string;
  /** Unique name; while a live worker holds it, registering is refused (retried for 30 s, then the worker stops). @defaultValue `<hostname>-<pid>` */
  name?: string;
  /** Task threads. @defaultValue 1 */
  nthreads?: number;
  /** Memory limit in bytes, reported to the scheduler; 0 = none. @defaultValue 0 */
  memoryLimit?: number;
  /** Folder for function modules, uploads and the log. @defaultValue `.flotilla-worker-space/<name>` in the working directory, so tasks resolve packages from the project's node_modules */
  localDirectory?: string;
  /** Exit when the scheduler has not answered for this long, in milliseconds. @defaultValue 60000 */
  deathTimeoutMs?: number;
  /** Host to listen on for peers and to advertise. @defaultValue an `ipc://` socket beside an `ipc://` scheduler's; 127.0.0.1 for a loopback scheduler, else the host name */
  host?: string;
  /** Abstract resources this worker offers, e.g. `{ GPU: 2 }`. */
  resources?: Record<string, number>;
  /** Batch job id when started by a job-queue cluster. */
  jobId?: string;
  /** CURVE credentials when the scheduler requires them. */
  security?: CurveCredentials;
  /** Retire gracefully after this long, in milliseconds (batch walltime). */
  lifetimeMs?: number;
  /** Keep the local directory on exit (debugging). @defaultValue false */
  keepLocalDirectory?: boolean;
  /**
   * Time between two samples of a task thread's stack for `client.profile`, in milliseconds; 0 turns
   * profiling off. @defaultValue 10
   */
  profileIntervalMs?: number;
  /** What one peer may make this worker hold at the wire (largest frame, reassembly bytes and time); see `WireLimits`. */
  limits?: Partial<WireLimits>;
}
