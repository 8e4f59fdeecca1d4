/**
 * The bench's output: one JSON object (the whole run, machine-readable) and a readable table built
 * from it: for every figure flotilla, raw zeromq.js in the same run, their ratio and the goal on it,
 * and, when Dask ran, Dask's figure and flotilla's speed-up over it.
 */
import type { DaskWorkloadId } from './dask-runner.js';
import { quantile } from './stats.js';
import { FIGURE_ROWS, HAS_DASK_TWIN, meetsBound, ratioOf, speedup, type FigureRow } from './targets.js';
import type { TeamBench } from './workloads/team-benches.js';
import type { WorkloadId, WorkloadResult } from './workload-types.js';

/** One row of the comparison, as it appears in the JSON. */
export interface FigureReport {
  id: string;
  label: string;
  unit: FigureRow['unit'];
  better: FigureRow['better'];
  flotilla?: number;
  /** The raw zeromq.js figure of the same run (best of its rounds), in `rawUnit`. */
  raw?: number;
  rawUnit?: string;
  /** flotilla ÷ raw, or for the ladder tasks per raw round trip (`ratioKind`). */
  ratio?: number;
  ratioKind?: 'quotient' | 'perRawRoundTrip';
  /** The goal on `ratio` (at most for `better: lower`, at least for `higher`). */
  goal?: number;
  meetsGoal?: boolean;
  /** An absolute target, on rows without a raw figure. */
  target?: number;
  meetsTarget?: boolean;
  dask?: number;
  /** flotilla ÷ Dask, the plain quotient of the two figures. */
  flotillaOverDask?: number;
  /** How many times better flotilla is than Dask (above 1: faster). */
  speedup?: number;
}

export interface DaskSection {
  requested: boolean;
  available: boolean;
  python?: string;
  version?: string;
  /** Why the comparison was skipped. */
  note?: string;
  workloads: Partial<Record<DaskWorkloadId, WorkloadResult>>;
}

/** The whole run; printed as one JSON object. */
export interface BenchReport {
  bench: 'flotilla';
  startedAt: string;
  finishedAt: string;
  machine: { node: string; platform: string; cpus: number; loadAverageStart: number[]; loadAverageEnd: number[] };
  cluster: { nWorkers: number; threadsPerWorker: number };
  /** Alternating rounds (raw, flotilla) per workload; the best round of each side counts. */
  rounds: number;
  flotilla: Partial<Record<WorkloadId, WorkloadResult>>;
  /** The raw zeromq.js baseline each workload alternated with (targets.ts RAW_BASELINE_OF), best of its rounds. */
  raw: Partial<Record<WorkloadId, WorkloadResult>>;
  dask: DaskSection;
  teamBenches: Partial<Record<TeamBench['id'], WorkloadResult>>;
  figures: FigureReport[];
}

function okMetric(result: WorkloadResult | undefined, metric: string): number | undefined {
  const value = result?.status === 'ok' ? result.metrics[metric] : undefined;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function daskResult(row: FigureRow, dask: DaskSection): WorkloadResult | undefined {
  if (row.daskWorkload) return dask.workloads[row.daskWorkload];
  return HAS_DASK_TWIN[row.workload] ? dask.workloads[row.workload as DaskWorkloadId] : undefined;
}

/** Pairs every row's flotilla figure with its raw figure, ratio and goal, target, and Dask figure. */
export function buildFigures(flotilla: BenchReport['flotilla'], raw: BenchReport['raw'], dask: DaskSection): FigureReport[] {
  return FIGURE_ROWS.map((row) => {
    const ours = okMetric(flotilla[row.workload], row.metric);
    const rawValue = row.raw ? okMetric(raw[row.workload], row.raw.metric) : undefined;
    const ratio = ratioOf(row, ours, rawValue);
    const meetsGoal = meetsBound(row, row.goal, ratio);
    const meetsTarget = meetsBound(row, row.target, ours);
    const theirs = okMetric(daskResult(row, dask), row.metric);
    return {
      id: row.id, label: row.label.trim(), unit: row.unit, better: row.better,
      ...(ours !== undefined ? { flotilla: ours } : {}),
      ...(rawValue !== undefined ? { raw: rawValue, rawUnit: row.raw!.unit } : {}),
      ...(ratio !== undefined ? { ratio, ratioKind: row.raw!.ratio } : {}),
      ...(row.goal !== undefined ? { goal: row.goal } : {}),
      ...(meetsGoal !== undefined ? { meetsGoal } : {}),
      ...(row.target !== undefined ? { target: row.target } : {}),
      ...(meetsTarget !== undefined ? { meetsTarget } : {}),
      ...(theirs !== undefined ? { dask: theirs } : {}),
      ...(ours !== undefined && theirs !== undefined ? { flotillaOverDask: ours / theirs, speedup: speedup(row, ours, theirs) } : {}),
    };
  });
}

/** The report for JSON: long per-call sample lists are replaced by a summary, to keep it readable. */
export function compactForJson(report: BenchReport): unknown {
  const compact = (result: WorkloadResult | undefined): unknown => {
    if (!result || result.samples.length <= 25) return result;
    const { samples, ...rest } = result;
    const at = (q: number): number => quantile(samples, q);
    return { ...rest, sampleSummary: { count: samples.length, min: at(0), p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) } };
  };
  const mapValues = <K extends string>(record: Partial<Record<K, WorkloadResult>>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(record).map(([key, value]) => [key, compact(value as WorkloadResult)]));
  return {
    ...report,
    flotilla: mapValues(report.flotilla),
    raw: mapValues(report.raw),
    dask: { ...report.dask, workloads: mapValues(report.dask.workloads) },
  };
}

function formatValue(value: number | undefined, unit: string): string {
  if (value === undefined) return '—';
  if (unit.endsWith('/s')) return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
  return `${value < 10 ? value.toFixed(3) : value.toFixed(1)} ${unit}`;
}

function formatRatio(value: number, kind: FigureReport['ratioKind']): string {
  return kind === 'perRawRoundTrip' ? `${value.toFixed(2)} per raw RTT` : `${value.toFixed(2)}×`;
}

function formatGoal(row: FigureRow): string {
  const sign = row.better === 'higher' ? '≥' : '≤';
  if (row.goal !== undefined) return `${sign} ${formatRatio(row.goal, row.raw?.ratio)}`;
  if (row.target !== undefined) return `${sign} ${formatValue(row.target, row.unit)}`;
  return '';
}

function statusOf(result: WorkloadResult | undefined): string {
  return result ? result.status.toUpperCase() : 'not run';
}

/** Pads columns to equal widths; the first row is the header. */
function renderColumns(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => [...(r[col] ?? '')].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The readable table, with notes on anything skipped, failed or timed out. */
export function renderTable(report: BenchReport): string {
  const withDask = report.dask.requested && report.dask.available;
  const header = ['figure (2 workers × 1 thread)', 'flotilla', 'raw zeromq.js', 'ratio', 'goal', 'pass'];
  if (withDask) header.push(`Dask ${report.dask.version ?? ''}`.trim(), 'vs Dask');
  const rows: string[][] = [header];
  FIGURE_ROWS.forEach((row, index) => {
    const figure = report.figures[index]!;
    const ours = report.flotilla[row.workload];
    // Rows of workloads left out with --only, and Dask-only comparisons without Dask, are noise.
    if (!ours || (row.daskWorkload !== undefined && !withDask)) return;
    const pass = figure.meetsGoal ?? figure.meetsTarget;
    const cells = [
      row.label,
      figure.flotilla !== undefined ? formatValue(figure.flotilla, row.unit) : statusOf(ours),
      figure.raw !== undefined ? formatValue(figure.raw, figure.rawUnit!) : row.raw ? statusOf(report.raw[row.workload]) : '',
      figure.ratio !== undefined ? formatRatio(figure.ratio, figure.ratioKind) : '',
      formatGoal(row),
      pass === undefined ? '' : pass ? 'PASS' : 'FAIL',
    ];
    if (withDask) {
      const theirs = daskResult(row, report.dask);
      cells.push(
        figure.dask !== undefined ? formatValue(figure.dask, row.unit) : theirs ? statusOf(theirs) : '',
        figure.speedup !== undefined ? `${figure.speedup.toFixed(1)}× ${figure.speedup >= 1 ? 'faster' : 'slower'}` : '',
      );
    }
    rows.push(cells);
  });
  const parts = [
    `flotilla bench — ${report.startedAt}, Node ${report.machine.node}, ${report.machine.cpus} CPUs, load average ${report.machine.loadAverageStart.map((l) => l.toFixed(2)).join(' ')} at start, ${report.machine.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')} at end`,
    `Each workload ran ${report.rounds} alternating round(s), raw zeromq.js then flotilla, on one cluster; each side's figure is its best round`,
    '(latencies: the lowest median over calls; rates: the highest median over repetitions). Only the ratios mean something on a shared machine.',
    'Raw zeromq.js: a ROUTER here and a DEALER in a child Node process over tcp://127.0.0.1 — round trips of a 4-byte frame for the round trip,',
    'run and ladder rows (the ladder ratio is tasks/s × raw round trip), 256 request/replies in flight for the map, the same bytes in 1 MiB',
    'frames each way for scatter and gather.',
    '',
    renderColumns(rows),
  ];
  const team = renderTeamBenches(report.teamBenches);
  if (team) parts.push('', team);
  const notes = collectNotes(report);
  if (notes.length > 0) parts.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  return parts.join('\n');
}

function renderTeamBenches(team: BenchReport['teamBenches']): string | undefined {
  const entries = Object.entries(team) as [string, WorkloadResult][];
  if (entries.length === 0) return undefined;
  const rows: string[][] = [['team micro-benchmark', 'figure', 'value']];
  for (const [id, result] of entries) {
    if (result.status !== 'ok') {
      rows.push([id, statusOf(result), '']);
      continue;
    }
    for (const [metric, value] of Object.entries(result.metrics)) rows.push([id, metric, formatMetric(metric, value)]);
  }
  return renderColumns(rows);
}

/** Units follow the team modules' field names: `…Micros` µs, `…Seconds` / `seconds` s, `…PerSecond` /s. */
function formatMetric(metric: string, value: number): string {
  if (/micros$/i.test(metric)) return `${value.toFixed(3)} µs`;
  if (/seconds$/i.test(metric)) return `${value.toFixed(3)} s`;
  if (/per\w*second$/i.test(metric)) return `${Math.round(value).toLocaleString('en-US')} /s`;
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(4);
}

function collectNotes(report: BenchReport): string[] {
  const notes: string[] = [];
  const describe = (side: string, id: string, result: WorkloadResult | undefined): void => {
    if (!result) return;
    if (result.error) notes.push(`${side} ${id}: ${result.status.toUpperCase()} after ${result.elapsedSeconds.toFixed(1)} s — ${result.error}`);
    if (result.note) notes.push(`${side} ${id}: ${result.note}`);
  };
  for (const [id, result] of Object.entries(report.flotilla)) describe('flotilla', id, result);
  for (const [id, result] of Object.entries(report.raw)) describe('raw zeromq.js for', id, result);
  if (report.dask.note) notes.push(`Dask: ${report.dask.note}`);
  for (const [id, result] of Object.entries(report.dask.workloads)) describe('Dask', id, result);
  for (const [id, result] of Object.entries(report.teamBenches)) describe('team bench', id, result);
  return notes;
}
