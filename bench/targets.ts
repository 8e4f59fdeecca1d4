/**
 * The rows of the comparison table: which figure of which workload, its unit, which direction is
 * better, and the target from issue 2 (where there is one).
 */
import type { DaskWorkloadId } from './dask-runner.js';
import type { WorkloadId } from './workload-types.js';

export interface FigureRow {
  /** Stable id of the row in the JSON. */
  id: string;
  label: string;
  workload: WorkloadId;
  metric: string;
  unit: 'tasks/s' | 'ms' | 's';
  better: 'higher' | 'lower';
  /** The target figure; rows without one show the figure only. */
  target?: number;
  /** The Dask workload to compare with. @defaultValue the same workload */
  daskWorkload?: DaskWorkloadId;
}

export const FIGURE_ROWS: readonly FigureRow[] = [
  { id: 'noopMap', label: 'no-op map+gather, 10k tasks', workload: 'noopMap', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', target: 20_000 },
  { id: 'noopMapVsTunedDask', label: '  same, vs Dask worker-saturation=inf', workload: 'noopMap', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', daskWorkload: 'noopMapTuned' },
  { id: 'ladder', label: 'ladder of 10k dependent tasks', workload: 'ladder', metric: 'tasksPerSecond', unit: 'tasks/s', better: 'higher', target: 5_000 },
  { id: 'roundTripMedian', label: 'submit→result round trip, median', workload: 'roundTrip', metric: 'medianMs', unit: 'ms', better: 'lower', target: 0.5 },
  { id: 'roundTripP99', label: 'submit→result round trip, p99', workload: 'roundTrip', metric: 'p99Ms', unit: 'ms', better: 'lower' },
  { id: 'clusterStart', label: 'LocalCluster start to 2 workers', workload: 'clusterStart', metric: 'medianSeconds', unit: 's', better: 'lower', target: 0.3 },
  { id: 'runMedian', label: 'client.run on all workers, median', workload: 'run', metric: 'medianMs', unit: 'ms', better: 'lower', target: 0.5 },
  { id: 'runP99', label: 'client.run on all workers, p99', workload: 'run', metric: 'p99Ms', unit: 'ms', better: 'lower' },
];

/** True when `value` meets `row.target`; undefined when there is no target or no figure. */
export function meetsTarget(row: FigureRow, value: number | undefined): boolean | undefined {
  if (row.target === undefined || value === undefined || !Number.isFinite(value)) return undefined;
  return row.better === 'higher' ? value >= row.target : value <= row.target;
}

/** How many times better flotilla is than Dask on this row (above 1: flotilla is faster). */
export function speedup(row: FigureRow, flotilla: number, dask: number): number {
  return row.better === 'higher' ? flotilla / dask : dask / flotilla;
}
