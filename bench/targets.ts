/**
 * The rows of the comparison table: which figure of which workload, its unit, which direction is
 * better, and the target from issue 2 (where there is one); and the latency targets scaled to this
 * machine by the raw zeromq.js round trip measured in the same run.
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
  unit: 'tasks/s' | 'ms' | 's';
  better: 'higher' | 'lower';
  /** The target figure; rows without one show the figure only. */
  target?: number;
  /** The Dask workload to compare with. @defaultValue the same workload */
  daskWorkload?: DaskWorkloadId;
  /** A latency whose target is also judged scaled by the raw zeromq.js round trip of the same run. */
  scaleWithRaw?: true;
}

export const FIGURE_ROWS: readonly FigureRow[] = [
  { id: 'noopMap', label: 'no-op map+gather, 10k tasks', workload: 'noopMap', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', target: 20_000 },
  { id: 'noopMapVsTunedDask', label: '  same, vs Dask worker-saturation=inf', workload: 'noopMap', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', daskWorkload: 'noopMapTuned' },
  { id: 'ladder', label: 'ladder of 10k dependent tasks', workload: 'ladder', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', target: 5_000 },
  { id: 'roundTripMedian', label: 'submit→result round trip, median', workload: 'roundTrip', metric: 'medianMs', unit: 'ms', better: 'lower', target: 0.5, scaleWithRaw: true },
  { id: 'roundTripP99', label: 'submit→result round trip, p99', workload: 'roundTrip', metric: 'p99Ms', unit: 'ms', better: 'lower' },
  { id: 'clusterStart', label: 'LocalCluster start to 2 workers', workload: 'clusterStart', metric: 'medianSeconds', unit: 's', better: 'lower', target: 0.3 },
  { id: 'runMedian', label: 'client.run on all workers, median', workload: 'run', metric: 'medianMs', unit: 'ms', better: 'lower', target: 0.5, scaleWithRaw: true },
  { id: 'runP99', label: 'client.run on all workers, p99', workload: 'run', metric: 'p99Ms', unit: 'ms', better: 'lower' },
  // Last, so the positions of the rows above stay as they were in the JSON.
  { id: 'rawZmqRoundTripMedian', label: 'raw zeromq.js round trip, median (same run)', workload: 'rawZmqRoundTrip', metric: 'medianMs', unit: 'ms', better: 'lower' },
];

/** True for rows whose figure comes from a baseline rather than from flotilla. */
export function isBaselineRow(row: FigureRow): row is FigureRow & { workload: BaselineId } {
  return row.workload === 'rawZmqRoundTrip';
}

/**
 * Raw zeromq.js round-trip median between two Node processes, in ms, on the machine where issue 2's
 * targets were set (shared/docs/performance.md): the targets assume a transport this fast.
 */
export const TARGET_MACHINE_RAW_MEDIAN_MS = 0.094;

/** A latency figure next to the raw zeromq.js round trip of the same run. */
export interface RawScaling {
  /** The raw round-trip median of this run, ms. */
  rawMedianMs: number;
  /** flotilla median / raw median. */
  timesRaw: number;
  /** The issue target × (raw median here / TARGET_MACHINE_RAW_MEDIAN_MS), ms. */
  scaledTarget: number;
  meetsScaledTarget: boolean;
}

/**
 * Scales a latency row's target by how much slower this machine's raw round trip is than on the
 * target machine, and judges `flotillaMs` against it. Undefined when the row is not a scaled latency
 * (`scaleWithRaw`, better `lower`, with a target), or either figure is missing or not a positive
 * finite number.
 */
export function scaleByRawBaseline(row: FigureRow, flotillaMs: number | undefined, rawMedianMs: number | undefined): RawScaling | undefined {
  // Only latencies scale with the transport's latency; a throughput would scale the other way.
  if (!row.scaleWithRaw || row.better !== 'lower' || row.target === undefined || flotillaMs === undefined || rawMedianMs === undefined) return undefined;
  if (!(Number.isFinite(flotillaMs) && Number.isFinite(rawMedianMs) && rawMedianMs > 0)) return undefined;
  const scaledTarget = row.target * (rawMedianMs / TARGET_MACHINE_RAW_MEDIAN_MS);
  return {
    rawMedianMs,
    timesRaw: flotillaMs / rawMedianMs,
    scaledTarget,
    meetsScaledTarget: flotillaMs <= scaledTarget,
  };
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
