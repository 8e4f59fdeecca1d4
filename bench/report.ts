/**
 * The bench's output: one JSON object (the whole run, machine-readable) and a readable table built
 * from it, with targets, the targets scaled by the raw zeromq.js baselines of the same run (latencies
 * by the round trip, throughputs by the pipelined request/replies), and, when Dask ran, the
 * flotilla/Dask ratios side by side.
 */
import type { DaskWorkloadId } from './dask-runner.js';
import { quantile } from './stats.js';
import { FIGURE_ROWS, isBaselineRow, meetsTarget, RAW_BASELINE_METRIC, scaleByRawBaseline, speedup, type FigureRow } from './targets.js';
import type { TeamBench } from './workloads/team-benches.js';
import type { BaselineId, WorkloadId, WorkloadResult } from './workload-types.js';

/** One row of the comparison, as it appears in the JSON. */
export interface FigureReport {
  id: string;
  label: string;
  unit: FigureRow['unit'];
  better: FigureRow['better'];
  flotilla?: number;
  target?: number;
  meetsTarget?: boolean;
  dask?: number;
  /** flotilla / Dask, the raw ratio of the two figures. */
  ratio?: number;
  /** How many times better flotilla is (above 1: faster). */
  speedup?: number;
  /** The raw zeromq.js round-trip median of this run, ms (on scaled latency rows, and the raw row's own figure). */
  rawMedianMs?: number;
  /** flotilla median / raw zeromq.js median of this run. */
  timesRaw?: number;
  /** Raw zeromq.js request/replies per second of this run, 256 in flight (on scaled throughput rows, and the raw row's own figure). */
  rawPerSecond?: number;
  /** flotilla tasks/s / raw request/replies per second of this run. */
  fractionOfRaw?: number;
  /**
   * Machine-scaled target: latency rows `target` × (rawMedianMs / `baseline.targetMachineRawMedianMs`), ms;
   * throughput rows `target` × (rawPerSecond / `baseline.targetMachineRawPerSecond`), tasks/s.
   */
  scaledTarget?: number;
  /** Whether the flotilla figure meets `scaledTarget`. */
  meetsScaledTarget?: boolean;
}

/** Reference measurements of the same run that are not flotilla. */
export interface BaselineSection {
  /** Raw zeromq.js round trips between two Node processes (passes before and after the latency workloads). */
  rawZmqRoundTrip?: WorkloadResult;
  /** The raw round-trip median on the machine where issue 2's targets were set, ms. */
  targetMachineRawMedianMs: number;
  /** Raw zeromq.js request/replies, 256 in flight, between two Node processes (passes before and after the throughput workloads). */
  rawZmqThroughput?: WorkloadResult;
  /** The raw request/replies per second on the machine where issue 2's targets were set. */
  targetMachineRawPerSecond: number;
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
  flotilla: Partial<Record<WorkloadId, WorkloadResult>>;
  dask: DaskSection;
  teamBenches: Partial<Record<TeamBench['id'], WorkloadResult>>;
  baseline: BaselineSection;
  figures: FigureReport[];
}

/** The result that holds `row`'s figure, from flotilla or from the baseline. */
function resultFor(row: FigureRow, flotilla: BenchReport['flotilla'], baseline: BaselineSection): WorkloadResult | undefined {
  return isBaselineRow(row) ? baseline[row.workload as BaselineId] : flotilla[row.workload as WorkloadId];
}

/**
 * Pairs every row's flotilla figure with its target and Dask figure, and each scaled row with its raw
 * zeromq.js baseline of the run. The raw rows themselves carry only `rawMedianMs` or `rawPerSecond`.
 */
export function buildFigures(flotilla: BenchReport['flotilla'], dask: DaskSection, baseline: BaselineSection): FigureReport[] {
  return FIGURE_ROWS.map((row) => {
    const common = { id: row.id, label: row.label.trim(), unit: row.unit, better: row.better };
    if (isBaselineRow(row)) {
      const raw = okMetric(baseline[row.workload], row.metric);
      return { ...common, ...(raw !== undefined ? { [row.workload === 'rawZmqThroughput' ? 'rawPerSecond' : 'rawMedianMs']: raw } : {}) };
    }
    const raw = row.scaleWithRaw ? okMetric(baseline[row.scaleWithRaw], RAW_BASELINE_METRIC[row.scaleWithRaw]) : undefined;
    const ours = okMetric(flotilla[row.workload as WorkloadId], row.metric);
    const theirs = okMetric(dask.workloads[row.daskWorkload ?? (row.workload as WorkloadId)], row.metric);
    const pass = meetsTarget(row, ours);
    return {
      ...common,
      ...(ours !== undefined ? { flotilla: ours } : {}),
      ...(row.target !== undefined ? { target: row.target } : {}),
      ...(pass !== undefined ? { meetsTarget: pass } : {}),
      ...(theirs !== undefined ? { dask: theirs } : {}),
      ...(ours !== undefined && theirs !== undefined ? { ratio: ours / theirs, speedup: speedup(row, ours, theirs) } : {}),
      ...scaleByRawBaseline(row, ours, raw),
    };
  });
}

function okMetric(result: WorkloadResult | undefined, metric: string): number | undefined {
  const value = result?.status === 'ok' ? result.metrics[metric] : undefined;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
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
    dask: { ...report.dask, workloads: mapValues(report.dask.workloads) },
    baseline: {
      ...report.baseline,
      ...(report.baseline.rawZmqRoundTrip ? { rawZmqRoundTrip: compact(report.baseline.rawZmqRoundTrip) } : {}),
      ...(report.baseline.rawZmqThroughput ? { rawZmqThroughput: compact(report.baseline.rawZmqThroughput) } : {}),
    },
  };
}

function formatValue(value: number | undefined, unit: FigureRow['unit']): string {
  if (value === undefined) return '—';
  if (unit.endsWith('/s')) return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
  return `${value < 10 ? value.toFixed(3) : value.toFixed(1)} ${unit}`;
}

function formatTarget(row: FigureRow): string {
  if (row.target === undefined) return '';
  return formatBound(row, row.target);
}

function formatBound(row: FigureRow, value: number): string {
  return `${row.better === 'higher' ? '≥' : '≤'} ${formatValue(value, row.unit)}`;
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
  const withRaw = report.figures.some((figure) => figure.scaledTarget !== undefined);
  const header = ['workload (2 workers × 1 thread)', 'flotilla', 'target', 'pass'];
  if (withRaw) header.push('× raw', 'machine-scaled target', 'scaled pass');
  if (withDask) header.push(`Dask ${report.dask.version ?? ''}`.trim(), 'flotilla/Dask', 'speed-up');
  const rows: string[][] = [header];
  FIGURE_ROWS.forEach((row, index) => {
    const figure = report.figures[index]!;
    const ours = resultFor(row, report.flotilla, report.baseline);
    // Rows of workloads left out with --only, and Dask-only comparisons without Dask, are noise.
    if (!ours || (row.daskWorkload !== undefined && !withDask)) return;
    const value = isBaselineRow(row) ? figure.rawMedianMs ?? figure.rawPerSecond : figure.flotilla;
    const cells = [
      row.label,
      value !== undefined ? formatValue(value, row.unit) : statusOf(ours),
      formatTarget(row),
      figure.meetsTarget === undefined ? '' : figure.meetsTarget ? 'PASS' : 'FAIL',
    ];
    if (withRaw) {
      // Latencies: how many times the raw round trip; throughputs: which fraction of the raw rate.
      const timesRaw = figure.timesRaw ?? figure.fractionOfRaw;
      cells.push(
        timesRaw !== undefined ? `${timesRaw.toFixed(2)}×` : '',
        figure.scaledTarget !== undefined ? formatBound(row, figure.scaledTarget) : '',
        figure.meetsScaledTarget === undefined ? '' : figure.meetsScaledTarget ? 'PASS' : 'FAIL',
      );
    }
    // A baseline has no Dask twin.
    if (withDask && !isBaselineRow(row)) {
      const theirs = report.dask.workloads[row.daskWorkload ?? (row.workload as WorkloadId)];
      cells.push(
        figure.dask !== undefined ? formatValue(figure.dask, row.unit) : statusOf(theirs),
        figure.ratio !== undefined ? figure.ratio.toPrecision(3) : '',
        figure.speedup !== undefined ? `${figure.speedup.toFixed(1)}× ${figure.speedup >= 1 ? 'faster' : 'slower'}` : '',
      );
    }
    rows.push(cells);
  });
  const parts = [
    `flotilla bench — ${report.startedAt}, Node ${report.machine.node}, ${report.machine.cpus} CPUs, load average ${report.machine.loadAverageStart.map((l) => l.toFixed(2)).join(' ')} at start, ${report.machine.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')} at end`,
    'Figures are medians over repetitions (latencies: over calls). Ratios are from this one run.',
    '',
    renderColumns(rows),
  ];
  const raw = describeRawBaseline(report);
  if (raw.length > 0) parts.push('', ...raw);
  const team = renderTeamBenches(report.teamBenches);
  if (team) parts.push('', team);
  const notes = collectNotes(report);
  if (notes.length > 0) parts.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  return parts.join('\n');
}

/** The passes of a combined baseline, e.g. `before roundTrip: 0.310 ms, after run: 0.290 ms; drift -6 %`. */
function describePasses(raw: WorkloadResult, metric: string, unit: FigureRow['unit'], driftKey: string): string {
  const passes = (raw.detail?.passes ?? []) as ({ when: string; status: string } & Record<string, unknown>)[];
  const perPass = passes.map((p) => `${p.when}: ${typeof p[metric] === 'number' ? formatValue(p[metric], unit) : p.status.toUpperCase()}`).join(', ');
  const drift = raw.detail?.[driftKey];
  return `${perPass}${typeof drift === 'number' ? `; drift ${drift >= 0 ? '+' : ''}${drift.toFixed(0)} %` : ''}`;
}

/**
 * What "× raw" and "machine-scaled target" mean, with the raw passes of this run, so the reader can
 * see how much the machine drifted while the workloads ran.
 */
function describeRawBaseline(report: BenchReport): string[] {
  const lines: string[] = [];
  const roundTrip = report.baseline.rawZmqRoundTrip;
  if (roundTrip?.status === 'ok') {
    const rawMedian = roundTrip.metrics.medianMs!;
    const reference = report.baseline.targetMachineRawMedianMs;
    lines.push(
      `Raw zeromq.js baseline (ROUTER here ↔ DEALER in a child Node process, tcp://127.0.0.1, one 4-byte frame): median ${formatValue(rawMedian, 'ms')} = median of the passes' medians (${describePasses(roundTrip, 'medianMs', 'ms', 'medianDriftPercent')}).`,
      `× raw = flotilla median ÷ that raw median. Machine-scaled target = issue 2 target × (raw median here ÷ ${reference} ms, the raw median on the`,
      `machine where the targets were set) = target × ${(rawMedian / reference).toFixed(2)}: the target restated for this machine's transport. The absolute target and its pass stay as they are.`,
    );
  }
  const throughput = report.baseline.rawZmqThroughput;
  if (throughput?.status === 'ok') {
    const rawRate = throughput.metrics.repliesPerSecond!;
    const reference = report.baseline.targetMachineRawPerSecond;
    if (lines.length > 0) lines.push('');
    lines.push(
      `Raw zeromq.js throughput baseline (ROUTER here ↔ DEALER echo in a child Node process, tcp://127.0.0.1, 4-byte frames, 256 in flight): ${formatValue(rawRate, 'replies/s')} = median of the passes (${describePasses(throughput, 'repliesPerSecond', 'replies/s', 'repliesPerSecondDriftPercent')}).`,
      `On the throughput rows, × raw = flotilla tasks/s ÷ that rate (a fraction), and machine-scaled target = issue 2 target × (raw rate here ÷`,
      `${reference.toLocaleString('en-US')}/s, the raw rate on the machine where the targets were set) = target × ${(rawRate / reference).toFixed(2)}. The absolute target and its pass stay as they are.`,
    );
  }
  return lines;
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
  describe('baseline', 'rawZmqRoundTrip', report.baseline.rawZmqRoundTrip);
  describe('baseline', 'rawZmqThroughput', report.baseline.rawZmqThroughput);
  if (report.dask.note) notes.push(`Dask: ${report.dask.note}`);
  for (const [id, result] of Object.entries(report.dask.workloads)) describe('Dask', id, result);
  for (const [id, result] of Object.entries(report.teamBenches)) describe('team bench', id, result);
  return notes;
}
