/**
 * Workload 4: time from `new LocalCluster` until a connected client sees 2 workers
 * (`new LocalCluster` + `Client.connect` + `waitForWorkers(2)`). Each sample closes its cluster
 * before the next starts; the close time is kept as a secondary figure.
 */
import { closeBenchCluster, startBenchCluster } from '../flotilla-cluster.js';
import { RepetitionGate, remainingMs, type RepetitionLimits } from '../limits.js';
import { elapsedMs, median } from '../stats.js';
import type { Measurement } from '../workload-types.js';

export async function measureClusterStart(limits: RepetitionLimits, deadlineMs: number, cleanupNotes: string[]): Promise<Measurement> {
  const gate = new RepetitionGate(limits);
  const starts: number[] = [];
  const closes: number[] = [];
  while (gate.mayRepeat(starts.length)) {
    const start = performance.now();
    const bench = await startBenchCluster(remainingMs(deadlineMs));
    starts.push(elapsedMs(start) / 1000);
    const closing = performance.now();
    const note = await closeBenchCluster(bench);
    closes.push(elapsedMs(closing) / 1000);
    if (note) cleanupNotes.push(`sample ${starts.length}: ${note}`);
  }
  return {
    metrics: { medianSeconds: median(starts) },
    samples: starts,
    sampleUnit: 's',
    detail: { samples: starts.length, closeMedianSeconds: median(closes) },
  };
}
