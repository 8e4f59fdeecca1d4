/**
 * The raw zeromq.js baselines as the bench runs them: the round trip (one pass before and one after
 * the flotilla latency workloads) and the pipelined throughput (one pass before and one after the
 * throughput workloads). Each pass becomes a WorkloadResult (never a throw); the passes of one
 * baseline are then combined into one result whose figures are the medians of the per-pass figures,
 * with every pass kept in `detail` so drift during the run is visible.
 */
import { RAW_ZMQ_PARAMS, RAW_ZMQ_THROUGHPUT_PARAMS } from './params.js';
import { median } from './stats.js';
import { measureRawZmqRoundTrip } from './workloads/raw-zmq-round-trip.js';
import { measureRawZmqThroughput } from './workloads/raw-zmq-throughput.js';
import { emptyResult, type Measurement, type WorkloadResult } from './workload-types.js';

/** One pass of a baseline and when it ran, e.g. `before roundTrip`. */
export interface RawPass {
  when: string;
  result: WorkloadResult;
}

/** How the passes of one baseline are combined and described in the JSON. */
export interface RawCombination {
  /** The pass figure whose drift from the first good pass to the last is reported. */
  headlineMetric: string;
  /** Key of that drift, in percent of the first pass, in `detail`. */
  driftKey: string;
  /** `detail.combined`: how the figures were combined. */
  description: string;
}

/** The round trip: figures `medianMs`, `p99Ms`; drift as `detail.medianDriftPercent`. */
export const ROUND_TRIP_COMBINATION: RawCombination = {
  headlineMetric: 'medianMs',
  driftKey: 'medianDriftPercent',
  description: 'median of the per-pass medians (and p99s)',
};

/** The throughput: figure `repliesPerSecond`; drift as `detail.repliesPerSecondDriftPercent`. */
export const THROUGHPUT_COMBINATION: RawCombination = {
  headlineMetric: 'repliesPerSecond',
  driftKey: 'repliesPerSecondDriftPercent',
  description: 'median of the per-pass replies per second',
};

/** Runs one measurement as a result; never throws (failures become the result's status). */
async function passResult(measure: () => Promise<Measurement>): Promise<WorkloadResult> {
  const started = performance.now();
  try {
    const measurement = await measure();
    return { status: 'ok', ...measurement, elapsedSeconds: (performance.now() - started) / 1000 };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return emptyResult(timedOut ? 'timeout' : 'error', (performance.now() - started) / 1000, {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
}

/** Measures one pass of raw zeromq.js round trips (RAW_ZMQ_PARAMS); never throws. */
export function runRawZmqRoundTripPass(): Promise<WorkloadResult> {
  return passResult(() => measureRawZmqRoundTrip(RAW_ZMQ_PARAMS.warmup, RAW_ZMQ_PARAMS.limits));
}

/** Measures one pass of raw zeromq.js pipelined request/replies (RAW_ZMQ_THROUGHPUT_PARAMS); never throws. */
export function runRawZmqThroughputPass(): Promise<WorkloadResult> {
  return passResult(() => measureRawZmqThroughput(RAW_ZMQ_THROUGHPUT_PARAMS));
}

/**
 * One result from the passes: every metric is the median of the good passes' figures (with one good
 * pass, its figures); samples are all good passes' samples. Failed passes are named in `note`; when
 * none succeeded the result carries the first failure's status and every error.
 * @defaultValue combination: ROUND_TRIP_COMBINATION
 */
export function combineRawPasses(passes: readonly RawPass[], combination: RawCombination = ROUND_TRIP_COMBINATION): WorkloadResult {
  const elapsedSeconds = passes.reduce((sum, pass) => sum + pass.result.elapsedSeconds, 0);
  const good = passes.filter((pass) => pass.result.status === 'ok');
  const failed = passes.filter((pass) => pass.result.status !== 'ok');
  const failures = failed.map((pass) => `${pass.when}: ${pass.result.status.toUpperCase()}${pass.result.error ? ` — ${pass.result.error}` : ''}`);
  const detail = {
    combined: combination.description,
    passes: passes.map(({ when, result }) => ({
      when, status: result.status, ...result.metrics, ...result.detail, elapsedSeconds: result.elapsedSeconds,
      ...(result.error ? { error: result.error } : {}),
    })),
    ...driftOf(good, combination),
  };
  if (good.length === 0) {
    const first = failed[0]?.result;
    return { ...emptyResult(first?.status ?? 'skipped', elapsedSeconds, { error: failures.join('; ') || 'no pass was run' }), detail };
  }
  // The metrics every good pass has (all passes of one baseline measure the same ones).
  const metricNames = Object.keys(good[0]!.result.metrics).filter((name) => good.every((pass) => Number.isFinite(pass.result.metrics[name])));
  return {
    status: 'ok',
    metrics: Object.fromEntries(metricNames.map((name) => [name, median(good.map((pass) => pass.result.metrics[name]!))])),
    samples: good.flatMap((pass) => pass.result.samples),
    sampleUnit: good[0]!.result.sampleUnit,
    detail,
    elapsedSeconds,
    ...(failures.length > 0 ? { note: `pass(es) failed, figures from the others: ${failures.join('; ')}` } : {}),
  };
}

/** How much the headline figure moved from the first good pass to the last, in percent of the first. */
function driftOf(good: readonly RawPass[], combination: RawCombination): Record<string, number> {
  if (good.length < 2) return {};
  const first = good[0]!.result.metrics[combination.headlineMetric];
  const last = good[good.length - 1]!.result.metrics[combination.headlineMetric];
  if (first === undefined || last === undefined || first === 0) return {};
  return { [combination.driftKey]: ((last - first) / first) * 100 };
}
