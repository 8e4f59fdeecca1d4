/**
 * The rows of the comparison table: which figure of which workload, its unit, which direction is
 * better, and the target from issue 2 (where there is one); and those targets scaled to this machine
 * by the raw zeromq.js baselines measured in the same run (round trip for latencies, pipelined
 * request/replies for throughputs).
 */
import type { DaskWorkloadId } from './dask-runner.js';
import type { BaselineId, WorkloadId } from './workload-types.js';

export interface FigureRow {
  /** Stable id of the row in the JSON. */
  id: string;
  label: string;
  /** Whose result holds the figure: a flotilla workload, or a baseline (which has no Dask twin). */
  workload: WorkloadId | BaselineId;
  metric: string;
  unit: 'tasks/s' | 'replies/s' | 'ms' | 's';
  better: 'higher' | 'lower';
  /** The target figure; rows without one show the figure only. */
  target?: number;
  /** The Dask workload to compare with. @defaultValue the same workload */
  daskWorkload?: DaskWorkloadId;
  /**
   * The raw zeromq.js baseline of the same run that this row's target is also judged scaled by: the
   * round trip for a latency (better `lower`), the throughput for a rate (better `higher`).
   */
  scaleWithRaw?: BaselineId;
}

export const FIGURE_ROWS: readonly FigureRow[] = [
  { id: 'noopMap', label: 'no-op map+gather, 10k tasks', workload: 'noopMap', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', target: 20_000, scaleWithRaw: 'rawZmqThroughput' },
  { id: 'noopMapVsTunedDask', label: '  same, vs Dask worker-saturation=inf', workload: 'noopMap', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', daskWorkload: 'noopMapTuned' },
  { id: 'ladder', label: 'ladder of 10k dependent tasks', workload: 'ladder', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', target: 5_000, scaleWithRaw: 'rawZmqThroughput' },
  { id: 'roundTripMedian', label: 'submit→result round trip, median', workload: 'roundTrip', metric: 'medianMs', unit: 'ms', better: 'lower', target: 0.5, scaleWithRaw: 'rawZmqRoundTrip' },
  { id: 'roundTripP99', label: 'submit→result round trip, p99', workload: 'roundTrip', metric: 'p99Ms', unit: 'ms', better: 'lower' },
  { id: 'clusterStart', label: 'LocalCluster start to 2 workers', workload: 'clusterStart', metric: 'medianSeconds', unit: 's', better: 'lower', target: 0.3 },
  { id: 'runMedian', label: 'client.run on all workers, median', workload: 'run', metric: 'medianMs', unit: 'ms', better: 'lower', target: 0.5, scaleWithRaw: 'rawZmqRoundTrip' },
  { id: 'runP99', label: 'client.run on all workers, p99', workload: 'run', metric: 'p99Ms', unit: 'ms', better: 'lower' },
  // Last, so the positions of the rows above stay as they were in the JSON.
  { id: 'rawZmqRoundTripMedian', label: 'raw zeromq.js round trip, median (same run)', workload: 'rawZmqRoundTrip', metric: 'medianMs', unit: 'ms', better: 'lower' },
  { id: 'rawZmqThroughput', label: 'raw zeromq.js request/replies, 256 in flight (same run)', workload: 'rawZmqThroughput', metric: 'repliesPerSecond', unit: 'replies/s', better: 'higher' },
];

const BASELINE_IDS: readonly BaselineId[] = ['rawZmqRoundTrip', 'rawZmqThroughput'];

/** True for rows whose figure comes from a baseline rather than from flotilla. */
export function isBaselineRow(row: FigureRow): row is FigureRow & { workload: BaselineId } {
  return (BASELINE_IDS as readonly string[]).includes(row.workload);
}

/**
 * Raw zeromq.js round-trip median between two Node processes, in ms, on the machine where issue 2's
 * targets were set (shared/docs/performance.md): the latency targets assume a transport this fast.
 */
export const TARGET_MACHINE_RAW_MEDIAN_MS = 0.094;

/**
 * Raw zeromq.js request/replies per second between two Node processes with 256 in flight, on the
 * machine where issue 2's targets were set (shared/docs/performance.md says 80k; the issue, 81k): the
 * throughput targets assume a transport this fast.
 */
export const TARGET_MACHINE_RAW_PER_SECOND = 80_000;

/** The figure of each baseline that targets scale by. */
export const RAW_BASELINE_METRIC: Readonly<Record<BaselineId, string>> = {
  rawZmqRoundTrip: 'medianMs',
  rawZmqThroughput: 'repliesPerSecond',
};

/** A latency figure next to the raw zeromq.js round trip of the same run. */
export interface LatencyRawScaling {
  /** The raw round-trip median of this run, ms. */
  rawMedianMs: number;
  /** flotilla median / raw median (above 1: slower than raw). */
  timesRaw: number;
  /** The issue target × (raw median here / TARGET_MACHINE_RAW_MEDIAN_MS), ms. */
  scaledTarget: number;
  /** flotilla ≤ scaledTarget. */
  meetsScaledTarget: boolean;
}

/** A throughput figure next to the raw zeromq.js request/replies per second of the same run. */
export interface ThroughputRawScaling {
  /** The raw request/replies per second of this run (256 in flight). */
  rawPerSecond: number;
  /** flotilla rate / raw rate (below 1: a fraction of raw). */
  fractionOfRaw: number;
  /** The issue target × (raw rate here / TARGET_MACHINE_RAW_PER_SECOND), per second. */
  scaledTarget: number;
  /** flotilla ≥ scaledTarget. */
  meetsScaledTarget: boolean;
}

export type RawScaling = LatencyRawScaling | ThroughputRawScaling;

/**
 * Restates a row's target for this machine's transport and judges `flotilla` against it. A latency
 * row (scaled by `rawZmqRoundTrip`, better `lower`) gets target × (raw median ms /
 * TARGET_MACHINE_RAW_MEDIAN_MS): a slower transport allows more. A throughput row (scaled by
 * `rawZmqThroughput`, better `higher`) gets target × (raw per second / TARGET_MACHINE_RAW_PER_SECOND):
 * a slower transport asks less. Undefined when the row has no `scaleWithRaw` or no target, when its
 * direction does not match its baseline's, or when either figure is missing or not a positive finite
 * number.
 */
export function scaleByRawBaseline(row: FigureRow, flotilla: number | undefined, raw: number | undefined): RawScaling | undefined {
  if (!row.scaleWithRaw || row.target === undefined || flotilla === undefined || raw === undefined) return undefined;
  if (!(Number.isFinite(flotilla) && Number.isFinite(raw) && raw > 0)) return undefined;
  // A latency scales with the transport's latency and a rate with its rate; never one by the other.
  if (row.scaleWithRaw === 'rawZmqRoundTrip' && row.better === 'lower') {
    const scaledTarget = row.target * (raw / TARGET_MACHINE_RAW_MEDIAN_MS);
    return { rawMedianMs: raw, timesRaw: flotilla / raw, scaledTarget, meetsScaledTarget: flotilla <= scaledTarget };
  }
  if (row.scaleWithRaw === 'rawZmqThroughput' && row.better === 'higher') {
    const scaledTarget = row.target * (raw / TARGET_MACHINE_RAW_PER_SECOND);
    return { rawPerSecond: raw, fractionOfRaw: flotilla / raw, scaledTarget, meetsScaledTarget: flotilla >= scaledTarget };
  }
  return undefined;
}

/** True when `value` meets `row.target`; undefined when there is no target or no figure. */
export function meetsTarget(row: FigureRow, value: number | undefined): boolean | undefined {
  if (row.target === undefined || value === undefined || !Number.isFinite(value)) return undefined;
  return row.better === 'higher' ? value >= row.target : value <= row.target;
}

/** How many times better flotilla is than Dask on this row (above 1: flotilla is faster). */
export function speedup(row: FigureRow, flotilla: number, dask: number): number {
  return row.better === 'higher' ? flotilla / dask : dask / flotilla;
}
