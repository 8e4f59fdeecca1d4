/**
 * Workers in SLURM jobs: the job script, two jobs, a computation spread over their workers, and a
 * clean close. Run it on a login node (or on the test machine after `sudo scripts/testbed/testbed-up.sh`):
 *
 *   npm run build && node dist/examples/slurm-cluster.js
 *
 * The scheduler runs in this process; the workers run in the batch jobs and connect back to it, with
 * the keys from a file (mode 0600) in the log directory `.flotilla-logs/`, which compute nodes must
 * be able to read.
 */
import { Client } from 'flotilla';
import { SLURMCluster } from 'flotilla';

/** One task: the sum of squares of [from, to), and which SLURM job computed it. */
function sumOfSquares(from: number, to: number): { sum: number; job: string | undefined } {
  let sum = 0;
  for (let i = from; i < to; i++) sum += i * i;
  return { sum, job: process.env.SLURM_JOB_ID };
}

const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);

const cluster = new SLURMCluster({ cores: 1, memory: '1 GB', walltime: '00:10:00', queue: 'debug' });
try {
  await cluster.ready;
  console.log(`--- job script (${cluster.name}, scheduler at ${cluster.schedulerAddress}) ---\n${cluster.jobScript()}---`);

  await cluster.scale({ jobs: 2 });
  console.log(`[${seconds()} s] submitted jobs ${[...cluster.jobs.keys()].join(', ')}`);

  const client = await Client.connect(cluster);
  try {
    await client.waitForWorkers(2, { timeoutMs: 120_000 });
    console.log(`[${seconds()} s] ${client.workerCount} workers connected`);

    const chunk = 1_000_000;
    const parts = client.map(
      sumOfSquares,
      Array.from({ length: 8 }, (_, i) => i * chunk),
      Array.from({ length: 8 }, (_, i) => (i + 1) * chunk),
    );
    const results = await client.gather(parts);
    const total = results.reduce((sum, part) => sum + part.sum, 0);
    const byJob = new Map<string, number>();
    for (const part of results) byJob.set(part.job ?? '?', (byJob.get(part.job ?? '?') ?? 0) + 1);
    console.log(`[${seconds()} s] sum of squares below ${8 * chunk} ≈ ${total.toExponential(6)}`);
    console.log(`tasks per job: ${[...byJob].map(([job, count]) => `job ${job}: ${count}`).join(', ')}`);
    for (const job of cluster.jobs.values()) {
      console.log(`job ${job.jobId}: ${job.state} (${job.native ?? '-'}), workers ${job.workers.join(', ') || 'none'}, log ${job.outputFiles.stdout}`);
    }

    // Adaptive scaling (held at two jobs here), checked every 200 ms; the cluster polls squeue meanwhile.
    const adaptive = cluster.adapt({ minimum: 2, maximum: 2, intervalMs: 200 });
    const pollsBefore = cluster.statusPolls;
    for (let i = 0; i < 100 && (adaptive.checks < 2 || cluster.statusPolls === pollsBefore); i++) await new Promise((r) => setTimeout(r, 100));
    console.log(
      `adapt: ${adaptive.options.minimumJobs}-${adaptive.options.maximumJobs} jobs, active ${adaptive.active}, ` +
        `${adaptive.checks >= 2 ? 'checked' : 'NOT checked'}; status polled ${cluster.statusPolls > pollsBefore ? 'again' : 'NEVER'}; ` +
        `the cluster's: ${cluster.adaptive === adaptive}`,
    );
    await adaptive.stop();
    console.log(`adapt stopped: active ${adaptive.active}, the cluster adapts: ${cluster.adaptive !== undefined}`);
  } finally {
    await client.close();
  }
} finally {
  await cluster.close();
  console.log(`[${seconds()} s] closed: ${[...cluster.jobs.values()].map((job) => `job ${job.jobId} ${job.state} (${job.native ?? '-'})`).join(', ')}`);
}
