/**
 * The rows of the bench table: which figure of which workload, its unit, which direction is better,
 * the raw zeromq.js figure of the same run it is a ratio to, and the goal on that ratio (issue 18:
 * absolute targets do not hold on a shared machine, ratios measured side by side do).
 */
import type { DaskWorkloadId } from './dask-runner.js';
import type { BaselineId, WorkloadId } from './workload-types.js';

/**
 * How a flotilla figure relates to its raw figure: `quotient` is flotilla ÷ raw (for a latency, how
 * many raw round trips it costs; for a rate, which fraction of the raw rate it reaches);
 * `perRawRoundTrip` is a rate × the raw round trip, i.e. tasks finished per raw round trip.
 */
export type RatioKind = 'quotient' | 'perRawRoundTrip';

/** The raw zeromq.js side of a row. */
export interface RawSide {
  /** The figure of the workload's raw baseline (RAW_BASELINE_OF) that this row is compared with. */
  metric: string;
  unit: 'ms' | 'replies/s' | 'MB/s';
  ratio: RatioKind;
}

export interface FigureRow {
  /** Stable id of the row in the JSON. */
  id: string;
  label: string;
  workload: WorkloadId;
  metric: string;
  unit: 'tasks/s' | 'ms' | 's' | 'MB/s' | 'MB';
  /** Which direction is better, for the figure and for its ratio. */
  better: 'higher' | 'lower';
  raw?: RawSide;
  /** The goal on the ratio: at most it when `better` is `lower`, at least it when `higher`. */
  goal?: number;
  /** An absolute target, for the rows without a raw figure. */
  target?: number;
  /** The Dask workload to compare with. @defaultValue the same workload, when it has a Dask twin */
  daskWorkload?: DaskWorkloadId;
}

/** The raw zeromq.js baseline each workload alternates with (none for cluster start). */
export const RAW_BASELINE_OF: Readonly<Record<WorkloadId, BaselineId | undefined>> = {
  noopMap: 'rawZmqThroughput',
  ladder: 'rawZmqRoundTrip',
  roundTrip: 'rawZmqHops',
  run: 'rawZmqRoundTrip',
  scatterGather: 'rawZmqBulk',
  actorRoundTrip: 'rawZmqRoundTrip',
  clusterStart: undefined,
};

const RAW_MEDIAN: RawSide = { metric: 'medianMs', unit: 'ms', ratio: 'quotient' };
const RAW_P99: RawSide = { metric: 'p99Ms', unit: 'ms', ratio: 'quotient' };

export const FIGURE_ROWS: readonly FigureRow[] = [
  { id: 'noopMap', label: 'no-op map+gather, 10k tasks', workload: 'noopMap', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', raw: { metric: 'repliesPerSecond', unit: 'replies/s', ratio: 'quotient' }, goal: 1.0 },
  { id: 'noopMapVsTunedDask', label: '  same, vs Dask worker-saturation=inf', workload: 'noopMap', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', daskWorkload: 'noopMapTuned' },
  { id: 'ladder', label: 'ladder of 10k dependent tasks', workload: 'ladder', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', raw: { metric: 'medianMs', unit: 'ms', ratio: 'perRawRoundTrip' }, goal: 1.5 },
  { id: 'roundTripMedian', label: 'submit→result round trip, median', workload: 'roundTrip', metric: 'medianMs', unit: 'ms', better: 'lower', raw: RAW_MEDIAN, goal: 1.5 },
  // Floors (no goal): the same median over a raw round trip with as many hops as a task makes.
  { id: 'roundTripVsThreadHop', label: '  same, ÷ raw + a thread hop', workload: 'roundTrip', metric: 'medianMs', unit: 'ms', better: 'lower', raw: { metric: 'threadHopMedianMs', unit: 'ms', ratio: 'quotient' } },
  { id: 'roundTripVsRelay', label: '  same, ÷ raw two-hop relay', workload: 'roundTrip', metric: 'medianMs', unit: 'ms', better: 'lower', raw: { metric: 'relayMedianMs', unit: 'ms', ratio: 'quotient' } },
  { id: 'roundTripP99', label: 'submit→result round trip, p99', workload: 'roundTrip', metric: 'p99Ms', unit: 'ms', better: 'lower', raw: RAW_P99 },
  { id: 'runMedian', label: 'client.run on all workers, median', workload: 'run', metric: 'medianMs', unit: 'ms', better: 'lower', raw: RAW_MEDIAN, goal: 1.5 },
  { id: 'runP99', label: 'client.run on all workers, p99', workload: 'run', metric: 'p99Ms', unit: 'ms', better: 'lower', raw: RAW_P99 },
  { id: 'scatter', label: 'scatter of 100 MiB to a worker', workload: 'scatterGather', metric: 'scatterMBps', unit: 'MB/s', better: 'higher', raw: { metric: 'scatterMBps', unit: 'MB/s', ratio: 'quotient' }, goal: 0.9 },
  { id: 'gather', label: 'gather of 100 MiB from a worker', workload: 'scatterGather', metric: 'gatherMBps', unit: 'MB/s', better: 'higher', raw: { metric: 'gatherMBps', unit: 'MB/s', ratio: 'quotient' }, goal: 0.9 },
  { id: 'actorRoundTripMedian', label: 'actor method call round trip, median', workload: 'actorRoundTrip', metric: 'medianMs', unit: 'ms', better: 'lower', raw: RAW_MEDIAN, goal: 1.5 },
  { id: 'actorRoundTripP99', label: 'actor method call round trip, p99', workload: 'actorRoundTrip', metric: 'p99Ms', unit: 'ms', better: 'lower', raw: RAW_P99 },
  { id: 'actorCallsPerSecond', label: 'calls/s to one actor, 2k in flight', workload: 'actorRoundTrip', metric: 'callsPerSecond', unit: 'tasks/s', better: 'higher', raw: { metric: 'medianMs', unit: 'ms', ratio: 'perRawRoundTrip' } },
  { id: 'clusterStart', label: 'LocalCluster start to 2 workers', workload: 'clusterStart', metric: 'medianSeconds', unit: 's', better: 'lower', target: 0.3 },
  { id: 'clusterStart16', label: 'LocalCluster start to 16 workers', workload: 'clusterStart', metric: 'ready16Seconds', unit: 's', better: 'lower', target: 1.2 },
  { id: 'idleWorkerRss', label: 'idle worker, resident memory', workload: 'clusterStart', metric: 'idleWorkerRssMB', unit: 'MB', better: 'lower', target: 60 },
];

/** Workloads with a Dask twin in bench/dask/workloads.py. */
export const HAS_DASK_TWIN: Readonly<Record<WorkloadId, boolean>> = {
  noopMap: true, ladder: true, roundTrip: true, run: true, clusterStart: true, scatterGather: false, actorRoundTrip: false,
};

/** The row's ratio of `flotilla` to `raw`; undefined when either is missing or not a positive finite number. */
export function ratioOf(row: FigureRow, flotilla: number | undefined, raw: number | undefined): number | undefined {
  if (!row.raw || flotilla === undefined || raw === undefined) return undefined;
  if (!(Number.isFinite(flotilla) && Number.isFinite(raw) && flotilla > 0 && raw > 0)) return undefined;
  // A rate × a round trip in ms: tasks per raw round trip.
  return row.raw.ratio === 'perRawRoundTrip' ? (flotilla * raw) / 1000 : flotilla / raw;
}

/** True when `value` (a ratio when `row.goal` is set, else the figure against `row.target`) meets the bound. */
export function meetsBound(row: FigureRow, bound: number | undefined, value: number | undefined): boolean | undefined {
  if (bound === undefined || value === undefined || !Number.isFinite(value)) return undefined;
  return row.better === 'higher' ? value >= bound : value <= bound;
}

/** How many times better flotilla is than Dask on this row (above 1: flotilla is faster). */
export function speedup(row: FigureRow, flotilla: number, dask: number): number {
  return row.better === 'higher' ? flotilla / dask : dask / flotilla;
}
