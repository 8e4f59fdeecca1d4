/**
 * Runs one flotilla workload on its own cluster, within its own time limit, and turns whatever
 * happens (figures, an error, a hang) into a WorkloadResult, so the bench always goes on.
 */
import { closeAllBenchClusters, withBenchCluster, BENCH_CLUSTER } from './flotilla-cluster.js';
import { remainingMs, withTimeLimit } from './limits.js';
import { measureClusterStart } from './workloads/cluster-start.js';
import { measureLadder } from './workloads/ladder.js';
import { measureNoopMap } from './workloads/noop-map.js';
import { measureRoundTrip } from './workloads/round-trip.js';
import { measureRunLatency } from './workloads/run-latency.js';
import type { Measurement, WorkloadId, WorkloadParams, WorkloadResult } from './workload-types.js';

async function measure(id: WorkloadId, params: WorkloadParams, cleanupNotes: string[]): Promise<Measurement> {
  const { limits, tasks, warmup } = params;
  const limitMs = limits.timeLimitSeconds * 1000;
  if (id === 'clusterStart') {
    const deadline = performance.now() + limitMs;
    return withTimeLimit(measureClusterStart(limits, deadline, cleanupNotes), remainingMs(deadline), 'clusterStart');
  }
  const { value, cleanupNote } = await withBenchCluster(limitMs, ({ client }, deadline) => {
    switch (id) {
      case 'noopMap': return measureNoopMap(client, tasks, warmup, limits, deadline);
      case 'ladder': return measureLadder(client, tasks, warmup, limits, deadline);
      case 'roundTrip': return measureRoundTrip(client, warmup, limits, deadline);
      case 'run': return measureRunLatency(client, BENCH_CLUSTER.nWorkers, warmup, limits);
    }
  });
  if (cleanupNote) cleanupNotes.push(cleanupNote);
  return value;
}

/** Measures workload `id` on flotilla; never throws. */
export async function runFlotillaWorkload(id: WorkloadId, params: WorkloadParams): Promise<WorkloadResult> {
  const started = performance.now();
  const cleanupNotes: string[] = [];
  let result: Omit<WorkloadResult, 'elapsedSeconds'>;
  try {
    result = { status: 'ok', ...(await measure(id, params, cleanupNotes)) };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    result = {
      status: timedOut ? 'timeout' : 'error', metrics: {}, samples: [], sampleUnit: '',
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
  // Anything a hung or failed workload left open is closed here, before the next workload starts.
  cleanupNotes.push(...(await closeAllBenchClusters()));
  const note = cleanupNotes.length > 0 ? `cleanup: ${cleanupNotes.join('; ')}` : undefined;
  return { ...result, ...(note ? { note } : {}), elapsedSeconds: (performance.now() - started) / 1000 };
}
