/**
 * What a job-queue cluster says when the batch system lets it down, with two small adapters made
 * from `local` (bash on this machine): one whose submit command is refused (a JobSubmissionError with
 * the command, exit code and output), one that still lists a job after cancelling it (close() throws
 * a JobCleanupError naming the job). And an adapter that is not one, caught by checkSystem. All are
 * FlotillaErrors with a stable `code`.
 *
 * Run:  npm run build && node dist/examples/job-queue-errors.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, FlotillaError, JobCleanupError, JobQueueCluster, JobSubmissionError, clusterClass, local } from 'flotilla';

const folder = mkdtempSync(join(tmpdir(), 'flotilla-job-queue-errors-'));
const options = { cores: 1, memory: '1 GB', host: '127.0.0.1', logDirectory: join(folder, 'logs'), dashboardAddress: false, security: false } as const;
const context = { config: { path: null, jobqueue: {} }, env: {}, cwd: folder };
const seen: FlotillaError[] = [];
try {
  // A queue that refuses every job, as sbatch does past a submission limit.
  const FullQueueCluster = clusterClass({
    ...local,
    name: 'full',
    clusterName: 'FullQueueCluster',
    submitCommand: () => ['bash', '-c', 'echo "checking limits"; echo "error: QOSMaxSubmitJobPerUserLimit" >&2; exit 1'],
  });
  const full = new FullQueueCluster(options, context);
  try {
    await full.scale(1);
  } catch (error) {
    if (!(error instanceof JobSubmissionError)) throw error;
    seen.push(error);
    console.log(`${error.name}: ${error.command[0]} exited with ${error.exitCode}; stdout "${error.stdout.trim()}", stderr "${error.stderr.trim()}"`);
  } finally {
    await full.close();
  }

  // A batch system whose cancel does nothing: job 4242 is listed as running until close() gives up.
  const StickyCluster = clusterClass({
    ...local,
    name: 'sticky',
    clusterName: 'StickyCluster',
    submitCommand: () => ['bash', '-c', 'echo 4242', 'submit'],
    cancelCommand: () => ['true'],
    statusCommand: (ids) => ['bash', '-c', 'for id in "$@"; do echo "$id|running"; done', 'status', ...ids],
  });
  const sticky = new StickyCluster({ ...options, closeTimeoutMs: 300, statusPollMs: 100 }, context);
  await sticky.scale(1);
  try {
    await sticky.close();
  } catch (error) {
    if (!(error instanceof JobCleanupError)) throw error;
    seen.push(error);
    console.log(`${error.name}: still listed ${error.jobs.map((job) => `${job.jobId} (${job.native})`).join(', ')}`);
  }

  // Options where the adapter belongs: refused at once, saying what works.
  try {
    JobQueueCluster.checkSystem({ cores: 8, memory: '16 GB' }, 'new JobQueueCluster');
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    seen.push(error);
    console.log(`${error.name}: ${error.message.split('.')[0]}`);
  }

  // Each is a FlotillaError: branch on `code`, which survives a trip over the wire.
  const describe = (error: FlotillaError): string => `${error.name}=${error.code}`;
  console.log(`all ${FlotillaError.errorName}s: ${seen.map(describe).join(', ')}`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
