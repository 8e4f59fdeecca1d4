import type { JobView } from './snapshot.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /**
   * Where to listen: a port (`8787`), `':8787'`, `'HOST:PORT'`, or `false` for no dashboard. Port 0
   * takes any free port. When the port is taken, the dashboard moves to a free one and logs where.
   * @defaultValue 8787 on the scheduler's host
   */
  address?: string | number | false;
  /**
   * The interface to listen on when `address` names none. On any host the link carries an access
   * token, and requests without it get 403.
   * @defaultValue the host of the scheduler's address
   */
  host?: string;
  /** Receives notices (the port moved). @defaultValue the scheduler's logger, at warning level */
  log?: (line: string) => void;
  /** The batch jobs of a job-queue cluster, for the job state column (called at most once per update). */
  jobs?: () => readonly JobView[];
  /** Milliseconds between live updates to open pages. @defaultValue 250 (four per second) */
  updateIntervalMs?: number;
  /** How far back the task stream reaches, in milliseconds. @defaultValue 300000 (five minutes) */
  historyMs?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** The link to the status page, with its `?token=…`. */
  readonly url: string;
  /** The TCP port it listens on. */
  readonly port: number;
  /** Ends open pages' event streams and stops listening. Idempotent. */
  close(): Promise<void>;
}
