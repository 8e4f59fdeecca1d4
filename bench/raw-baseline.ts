/**
 * The raw zeromq.js baselines as the bench runs them, one pass before each flotilla round of the
 * workload they belong to (targets.ts RAW_BASELINE_OF), and how the rounds of either side are combined:
 * the best of each, so one noisy moment on this shared machine does not decide.
 */
import { RAW_ZMQ_BULK_PARAMS, RAW_ZMQ_HOPS_PARAMS, RAW_ZMQ_PARAMS, RAW_ZMQ_THROUGHPUT_PARAMS, SCATTER_GATHER_BYTES } from './params.js';
import { measureRawZmqBulk } from './workloads/raw-zmq-bulk.js';
import { measureRawZmqHops, measureRawZmqRoundTrip } from './workloads/raw-zmq-round-trip.js';
import { measureRawZmqThroughput } from './workloads/raw-zmq-throughput.js';
import { emptyResult, type BaselineId, type Measurement, type WorkloadResult } from './workload-types.js';

/** One round's result of one side, e.g. `{ when: 'round 2', result }`. */
export interface RoundPass {
  when: string;
  result: WorkloadResult;
}

/** Runs one measurement as a result; never throws (failures become the result's status). */
export async function passResult(measure: () => Promise<Measurement>): Promise<WorkloadResult> {
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

/** Measures one pass of raw baseline `id` with its bench parameters (params.ts); never throws. */
export function runRawPass(id: BaselineId): Promise<WorkloadResult> {
  switch (id) {
    case 'rawZmqRoundTrip': return passResult(() => measureRawZmqRoundTrip(RAW_ZMQ_PARAMS.warmup, RAW_ZMQ_PARAMS.limits));
    case 'rawZmqHops': return passResult(() => measureRawZmqHops(RAW_ZMQ_HOPS_PARAMS.warmup, RAW_ZMQ_HOPS_PARAMS.limits));
    case 'rawZmqThroughput': return passResult(() => measureRawZmqThroughput(RAW_ZMQ_THROUGHPUT_PARAMS));
    case 'rawZmqBulk': return passResult(() => measureRawZmqBulk({ bytes: SCATTER_GATHER_BYTES, ...RAW_ZMQ_BULK_PARAMS }));
  }
}

/** Latencies and durations (`…Ms`, `…Seconds`) are better low; every other figure (rates) high. */
export function lowerIsBetter(metric: string): boolean {
  return /(Ms|Seconds)$/.test(metric);
}

/**
 * One result from the rounds of one side: every metric is the best of the good rounds' figures (the
 * lowest latency, the highest rate; lowerIsBetter), samples are all good rounds' samples, and every
 * round is kept in `detail.rounds`. Failed rounds are named in `note`; when none succeeded the result
 * carries the first failure's status and every error.
 */
export function bestOfRounds(passes: readonly RoundPass[]): WorkloadResult {
  const elapsedSeconds = passes.reduce((sum, pass) => sum + pass.result.elapsedSeconds, 0);
  const good = passes.filter((pass) => pass.result.status === 'ok');
  const failed = passes.filter((pass) => pass.result.status !== 'ok');
  const failures = failed.map((pass) => `${pass.when}: ${pass.result.status.toUpperCase()}${pass.result.error ? ` — ${pass.result.error}` : ''}`);
  const detail = {
    combined: `best of ${good.length} round(s) (lowest latency, highest rate)`,
    rounds: passes.map(({ when, result }) => ({
      when, status: result.status, ...result.metrics, ...result.detail, elapsedSeconds: result.elapsedSeconds,
      ...(result.error ? { error: result.error } : {}),
    })),
  };
  if (good.length === 0) {
    const first = failed[0]?.result;
    return { ...emptyResult(first?.status ?? 'skipped', elapsedSeconds, { error: failures.join('; ') || 'no round was run' }), detail };
  }
  // The metrics every good round has (all rounds of one side measure the same ones).
  const metricNames = Object.keys(good[0]!.result.metrics).filter((name) => good.every((pass) => Number.isFinite(pass.result.metrics[name])));
  const best = (name: string): number => {
    const values = good.map((pass) => pass.result.metrics[name]!);
    return lowerIsBetter(name) ? Math.min(...values) : Math.max(...values);
  };
  const notes = good.flatMap((pass) => (pass.result.note ? [`${pass.when}: ${pass.result.note}`] : []));
  if (failures.length > 0) notes.unshift(`round(s) failed, figures from the others: ${failures.join('; ')}`);
  return {
    status: 'ok',
    metrics: Object.fromEntries(metricNames.map((name) => [name, best(name)])),
    samples: good.flatMap((pass) => pass.result.samples),
    sampleUnit: good[0]!.result.sampleUnit,
    detail,
    elapsedSeconds,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}
