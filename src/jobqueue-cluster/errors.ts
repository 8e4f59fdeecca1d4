/** Errors of job-queue clusters beyond those in `src/errors`. */
import { FlotillaError } from '../errors/base.js';

/**
 * `close()` cancelled the cluster's jobs, but the batch system still listed some of them when the time
 * ran out. The scheduler is closed and the credentials removed all the same.
 */
export class JobCleanupError extends FlotillaError {
  override readonly code = 'JOB_CLEANUP';
  override name = 'JobCleanupError' as const;
  /** The jobs still listed, with the batch system's word for their state. */
  readonly jobs: ReadonlyArray<{ readonly jobId: string; readonly native: string | undefined }>;
  constructor(message: string, jobs: ReadonlyArray<{ jobId: string; native: string | undefined }>, options?: ErrorOptions) {
    super(message, options);
    this.jobs = jobs;
  }
}
