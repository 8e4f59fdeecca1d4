/**
 * Runs one flotilla workload on its own cluster, within its own time limit, alternating rounds with
 * its raw zeromq.js baseline (raw, flotilla, raw, flotilla, …), and turns whatever happens (figures,
 * an error, a hang) into results, so the bench always goes on.
 */
import type { Client } from '../src/index.js';
import { closeAllBenchClusters, withBenchCluster, BENCH_CLUSTER } from './flotilla-cluster.js';
import { remainingMs, withTimeLimit } from './limits.js';
import { SCATTER_GATHER_BYTES } from './params.js';
import { bestOfRounds, passResult, runRawPass, type RoundPass } from './raw-baseline.js';
import { RAW_BASELINE_OF } from './targets.js';
import { measureActorRoundTrip } from './workloads/actor-round-trip.js';
import { measureClusterStart } from './workloads/cluster-start.js';
import { measureLadder } from './workloads/ladder.js';
import { measureNoopMap } from './workloads/noop-map.js';
import { measureRoundTrip } from './workloads/round-trip.js';
import { measureRunLatency } from './workloads/run-latency.js';
import { measureScatterGather } from './workloads/scatter-gather.js';
import { emptyResult, type Measurement, type WorkloadId, type WorkloadParams, type WorkloadResult } from './workload-types.js';

/** One flotilla round of `id` on a running cluster; `warmup` is the params' warm-up in the first round, 0 after. */
function measureRound(id: Exclude<WorkloadId, 'clusterStart'>, client: Client, params: WorkloadParams, warmup: number, deadline: number): Promise<Measurement> {
  const { limits, tasks } = params;
  switch (id) {
    case 'noopMap': return measureNoopMap(client, tasks, warmup, limits, deadline);
    case 'ladder': return measureLadder(client, tasks, warmup, limits, deadline);
    case 'roundTrip': return measureRoundTrip(client, warmup, limits, deadline);
    case 'actorRoundTrip': return measureActorRoundTrip(client, warmup, limits, deadline);
    case 'run': return measureRunLatency(client, BENCH_CLUSTER.nWorkers, warmup, limits);
    case 'scatterGather': return measureScatterGather(client, SCATTER_GATHER_BYTES, warmup, limits.maxRepetitions);
  }
}

/** What one workload measured: flotilla's best round, and its raw baseline's best pass when it has one. */
export interface WorkloadOutcome {
  flotilla: WorkloadResult;
  raw?: WorkloadResult;
}

/** Options of {@link runFlotillaWorkload}. */
export interface RunOptions {
  /** Alternating rounds (raw, flotilla) for workloads with a raw baseline. */
  rounds: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/**
 * Measures workload `id` on flotilla, in `rounds` rounds alternating with its raw baseline on one
 * cluster (cluster start: once, no baseline); never throws.
 */
export async function runFlotillaWorkload(id: WorkloadId, params: WorkloadParams, options: RunOptions): Promise<WorkloadOutcome> {
  const started = performance.now();
  const cleanupNotes: string[] = [];
  const limitMs = params.limits.timeLimitSeconds * 1000;
  const rawId = RAW_BASELINE_OF[id];
  const flotillaRounds: RoundPass[] = [];
  const rawRounds: RoundPass[] = [];
  let failure: WorkloadResult | undefined;
  try {
    if (id === 'clusterStart') {
      const deadline = performance.now() + limitMs;
      const measurement = await withTimeLimit(measureClusterStart(params.limits, deadline, cleanupNotes), remainingMs(deadline), 'clusterStart');
      flotillaRounds.push({ when: 'once', result: { status: 'ok', ...measurement, elapsedSeconds: (performance.now() - started) / 1000 } });
    } else {
      const { cleanupNote } = await withBenchCluster(limitMs, async ({ client }, deadline) => {
        for (let round = 1; round <= options.rounds; round++) {
          const when = `round ${round}`;
          if (rawId) {
            const raw = await runRawPass(rawId);
            rawRounds.push({ when, result: raw });
            options.log?.(`  raw ${rawId} ${when}: ${summarize(raw)}`);
          }
          const ours = await passResult(() => measureRound(id, client, params, round === 1 ? params.warmup : 0, deadline));
          flotillaRounds.push({ when, result: ours });
          options.log?.(`  flotilla ${id} ${when}: ${summarize(ours)}`);
          if (ours.status !== 'ok') break; // the cluster is in doubt; the rounds so far stand
        }
      });
      if (cleanupNote) cleanupNotes.push(cleanupNote);
    }
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    failure = emptyResult(timedOut ? 'timeout' : 'error', (performance.now() - started) / 1000, {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
  // Anything a hung or failed workload left open is closed here, before the next workload starts.
  cleanupNotes.push(...(await closeAllBenchClusters()));
  if (failure) flotillaRounds.push({ when: 'workload', result: failure });
  const combined = bestOfRounds(flotillaRounds);
  const note = [combined.note, cleanupNotes.length > 0 ? `cleanup: ${cleanupNotes.join('; ')}` : undefined].filter(Boolean).join('; ');
  const flotilla: WorkloadResult = { ...combined, elapsedSeconds: (performance.now() - started) / 1000, ...(note ? { note } : {}) };
  return rawId ? { flotilla, raw: bestOfRounds(rawRounds) } : { flotilla };
}

/** `medianMs=0.512 p99Ms=1.20` or `ERROR: …`, for progress lines. */
export function summarize(result: WorkloadResult): string {
  if (result.status !== 'ok') return `${result.status.toUpperCase()}${result.error ? `: ${result.error.split('\n')[0]}` : result.note ? `: ${result.note}` : ''}`;
  const figures = Object.entries(result.metrics).map(([k, v]) => `${k}=${v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3)}`);
  return `${figures.join(' ')} (${result.elapsedSeconds.toFixed(1)} s)`;
}
