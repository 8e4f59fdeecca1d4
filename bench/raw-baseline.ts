/**
 * The raw zeromq.js round-trip baseline as the bench runs it: one pass before and one after the
 * flotilla latency workloads, each turned into a WorkloadResult (never a throw), then combined into
 * one result whose median is the median of the per-pass medians, with every pass kept in `detail`
 * so drift during the run is visible.
 */
import { RAW_ZMQ_PARAMS } from './params.js';
import { median } from './stats.js';
import { measureRawZmqRoundTrip } from './workloads/raw-zmq-round-trip.js';
import { emptyResult, type WorkloadResult } from './workload-types.js';

/** One pass of the baseline and when it ran, e.g. `before roundTrip`. */
export interface RawPass {
  when: string;
  result: WorkloadResult;
}

/** Measures one pass of raw zeromq.js round trips; never throws (failures become the result's status). */
export async function runRawZmqPass(): Promise<WorkloadResult> {
  const started = performance.now();
  try {
    const measurement = await measureRawZmqRoundTrip(RAW_ZMQ_PARAMS.warmup, RAW_ZMQ_PARAMS.limits);
    return { status: 'ok', ...measurement, elapsedSeconds: (performance.now() - started) / 1000 };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return emptyResult(timedOut ? 'timeout' : 'error', (performance.now() - started) / 1000, {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
}

/**
 * One result from the passes: `medianMs` and `p99Ms` are the medians of the passes' figures (with
 * one good pass, its figures); samples are all passes' calls. Failed passes are named in `note`;
 * when none succeeded the result carries the first failure's status and every error.
 */
export function combineRawPasses(passes: readonly RawPass[]): WorkloadResult {
  const elapsedSeconds = passes.reduce((sum, pass) => sum + pass.result.elapsedSeconds, 0);
  const good = passes.filter((pass) => pass.result.status === 'ok');
  const failed = passes.filter((pass) => pass.result.status !== 'ok');
  const failures = failed.map((pass) => `${pass.when}: ${pass.result.status.toUpperCase()}${pass.result.error ? ` — ${pass.result.error}` : ''}`);
  const detail = {
    combined: 'median of the per-pass medians (and p99s)',
    passes: passes.map(({ when, result }) => ({
      when, status: result.status, ...result.metrics, ...result.detail, elapsedSeconds: result.elapsedSeconds,
      ...(result.error ? { error: result.error } : {}),
    })),
    ...driftOf(good),
  };
  if (good.length === 0) {
    const first = failed[0]?.result;
    return { ...emptyResult(first?.status ?? 'skipped', elapsedSeconds, { error: failures.join('; ') || 'no pass was run' }), detail };
  }
  return {
    status: 'ok',
    metrics: {
      medianMs: median(good.map((pass) => pass.result.metrics.medianMs!)),
      p99Ms: median(good.map((pass) => pass.result.metrics.p99Ms!)),
    },
    samples: good.flatMap((pass) => pass.result.samples),
    sampleUnit: 'ms',
    detail,
    elapsedSeconds,
    ...(failures.length > 0 ? { note: `pass(es) failed, figures from the others: ${failures.join('; ')}` } : {}),
  };
}

/** How much the median moved from the first good pass to the last, in percent of the first. */
function driftOf(good: readonly RawPass[]): { medianDriftPercent?: number } {
  if (good.length < 2) return {};
  const first = good[0]!.result.metrics.medianMs!;
  const last = good[good.length - 1]!.result.metrics.medianMs!;
  return { medianDriftPercent: ((last - first) / first) * 100 };
}
