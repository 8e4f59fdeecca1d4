import type { CurveCredentials } from '../transport/security.js';
import type { WorkerTotals } from '../util/inspect-summary.js';

/** What `Client.connect(cluster)` needs from any cluster (local or job-queue). */
export interface ClusterHandle {
  /** Resolves when the scheduler listens (and the initial workers, if any, have joined). */
  readonly ready: Promise<void>;
  /** `tcp://host:port` of the cluster's scheduler; valid once `ready` resolved. */
  readonly schedulerAddress: string;
  /** Credentials clients need when the scheduler requires authentication. */
  readonly security?: CurveCredentials;
  /** The dashboard's URL, when the cluster serves one. */
  readonly dashboardLink?: string;
  /** One phrase about workers that are coming (e.g. "2 jobs still queued"), for time-out messages. */
  describeWorkers?(): string;
  /** When the scheduler runs in this process: its registered workers, threads and memory, now. */
  workerTotals?(): WorkerTotals;
  /** When the scheduler runs in this process: opens a link that skips the network hop. */
  openLocalLink?(routingId: string): import('../transport/local-link.js').MessageLink;
  /** Stops the cluster's workers and scheduler; a second call waits for the same close. */
  close(): Promise<void>;
}
