/** Errors of job-queue clusters beyond those in `src/errors`. */
import { errorClass } from '../errors/base.js';

/**
 * `close()` cancelled the cluster's jobs, but the batch system still listed some of them when the time
 * ran out. The scheduler is closed and the credentials removed all the same.
 */
export class JobCleanupError extends errorClass('JOB_CLEANUP', 'JobCleanupError') {
  /** The jobs still listed, with the batch system's word for their state. */
  readonly jobs: ReadonlyArray<{ readonly jobId: string; readonly native: string | undefined }>;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, jobs: ReadonlyArray<{ jobId: string; native: string | undefined }>, options?: ErrorOptions) {
    super(message, options);
    this.jobs = jobs;
  }
}
