/**
 * The machine-scaled targets: latency rows scaled by the raw zeromq.js round trip (a slower transport
 * allows more), throughput rows by the raw pipelined request/replies (a slower transport asks less),
 * and how they land in the bench's JSON figures and table.
 */
import { describe, expect, it } from 'vitest';
import { buildFigures, renderTable, type BaselineSection, type BenchReport } from '../../bench/report.js';
import {
  FIGURE_ROWS, scaleByRawBaseline, TARGET_MACHINE_RAW_MEDIAN_MS, TARGET_MACHINE_RAW_PER_SECOND, type FigureRow,
} from '../../bench/targets.js';
import type { WorkloadResult } from '../../bench/workload-types.js';

function row(id: string): FigureRow {
  const found = FIGURE_ROWS.find((r) => r.id === id);
  if (!found) throw new Error(`no figure row ${id}`);
  return found;
}

function ok(metrics: Record<string, number>): WorkloadResult {
  return { status: 'ok', metrics, samples: [], sampleUnit: '', elapsedSeconds: 1 };
}

describe('scaleByRawBaseline on latency rows (lower is better)', () => {
  it('scales the target by raw median ÷ 0.094 ms and passes at or below it', () => {
    const roundTrip = row('roundTripMedian');
    // Twice as slow a transport as on the target machine: 0.5 ms becomes 1 ms.
    const raw = 2 * TARGET_MACHINE_RAW_MEDIAN_MS;
    const fast = scaleByRawBaseline(roundTrip, 0.9, raw);
    expect(fast).toEqual({ rawMedianMs: raw, timesRaw: 0.9 / raw, scaledTarget: expect.closeTo(1.0, 12), meetsScaledTarget: true });
    expect(scaleByRawBaseline(roundTrip, 1.1, raw)).toMatchObject({ meetsScaledTarget: false, timesRaw: 1.1 / raw });
    // On exactly the target machine's transport the scaled target is the absolute one.
    expect(scaleByRawBaseline(roundTrip, 0.5, TARGET_MACHINE_RAW_MEDIAN_MS)).toMatchObject({ scaledTarget: 0.5, meetsScaledTarget: true });
    expect(scaleByRawBaseline(row('runMedian'), 0.6, 0.047)).toMatchObject({ scaledTarget: expect.closeTo(0.25, 12), meetsScaledTarget: false });
  });

  it('gives nothing for rows without scaling, or with a missing or unusable figure', () => {
    expect(scaleByRawBaseline(row('roundTripP99'), 1, 0.2)).toBeUndefined();
    expect(scaleByRawBaseline(row('clusterStart'), 0.2, 0.2)).toBeUndefined();
    const roundTrip = row('roundTripMedian');
    expect(scaleByRawBaseline(roundTrip, undefined, 0.2)).toBeUndefined();
    expect(scaleByRawBaseline(roundTrip, 0.4, undefined)).toBeUndefined();
    expect(scaleByRawBaseline(roundTrip, 0.4, 0)).toBeUndefined();
    expect(scaleByRawBaseline(roundTrip, 0.4, -0.1)).toBeUndefined();
    expect(scaleByRawBaseline(roundTrip, Number.NaN, 0.2)).toBeUndefined();
    expect(scaleByRawBaseline(roundTrip, 0.4, Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('scaleByRawBaseline on throughput rows (higher is better)', () => {
  it('scales the target by raw rate ÷ 80,000/s and passes at or above it', () => {
    const noopMap = row('noopMap');
    // Half the target machine's raw rate: 20,000 tasks/s becomes 10,000.
    const raw = TARGET_MACHINE_RAW_PER_SECOND / 2;
    expect(scaleByRawBaseline(noopMap, 12_000, raw)).toEqual({ rawPerSecond: raw, fractionOfRaw: 0.3, scaledTarget: 10_000, meetsScaledTarget: true });
    expect(scaleByRawBaseline(noopMap, 9_999, raw)).toMatchObject({ scaledTarget: 10_000, meetsScaledTarget: false });
    expect(scaleByRawBaseline(noopMap, 10_000, raw)).toMatchObject({ meetsScaledTarget: true });
    const ladder = row('ladder');
    expect(scaleByRawBaseline(ladder, 1_000, 16_000)).toEqual({ rawPerSecond: 16_000, fractionOfRaw: 1_000 / 16_000, scaledTarget: 1_000, meetsScaledTarget: true });
    expect(scaleByRawBaseline(ladder, 6_000, TARGET_MACHINE_RAW_PER_SECOND)).toMatchObject({ scaledTarget: 5_000, meetsScaledTarget: true });
  });

  it('never scales a rate by a latency or a latency by a rate', () => {
    const rateByLatency: FigureRow = { ...row('noopMap'), scaleWithRaw: 'rawZmqRoundTrip' };
    const latencyByRate: FigureRow = { ...row('roundTripMedian'), scaleWithRaw: 'rawZmqThroughput' };
    expect(scaleByRawBaseline(rateByLatency, 12_000, 0.2)).toBeUndefined();
    expect(scaleByRawBaseline(latencyByRate, 0.4, 40_000)).toBeUndefined();
    expect(scaleByRawBaseline(row('noopMapVsTunedDask'), 12_000, 40_000)).toBeUndefined();
    expect(scaleByRawBaseline(row('noopMap'), 12_000, 0)).toBeUndefined();
  });
});

describe('scaled figures in the report', () => {
  const baseline: BaselineSection = {
    rawZmqRoundTrip: ok({ medianMs: 0.188, p99Ms: 0.4 }),
    targetMachineRawMedianMs: TARGET_MACHINE_RAW_MEDIAN_MS,
    rawZmqThroughput: ok({ repliesPerSecond: 40_000 }),
    targetMachineRawPerSecond: TARGET_MACHINE_RAW_PER_SECOND,
  };
  const flotilla: BenchReport['flotilla'] = {
    noopMap: ok({ tasksPerSecond: 12_000 }),
    ladder: ok({ tasksPerSecond: 4_000 }),
    roundTrip: ok({ medianMs: 0.9, p99Ms: 2 }),
  };
  const dask = { requested: false, available: false, workloads: {} };
  const figures = buildFigures(flotilla, dask, baseline);
  const figure = (id: string): Record<string, unknown> => figures.find((f) => f.id === id) as unknown as Record<string, unknown>;

  it('puts rawPerSecond, fractionOfRaw, scaledTarget and meetsScaledTarget on the throughput rows, next to the absolute target', () => {
    expect(figure('noopMap')).toMatchObject({ flotilla: 12_000, target: 20_000, meetsTarget: false, rawPerSecond: 40_000, fractionOfRaw: 0.3, scaledTarget: 10_000, meetsScaledTarget: true });
    expect(figure('ladder')).toMatchObject({ flotilla: 4_000, target: 5_000, meetsTarget: false, rawPerSecond: 40_000, fractionOfRaw: 0.1, scaledTarget: 2_500, meetsScaledTarget: true });
    expect(figure('rawZmqThroughput')).toEqual({ id: 'rawZmqThroughput', label: expect.any(String), unit: 'replies/s', better: 'higher', rawPerSecond: 40_000 });
  });

  it('keeps the latency rows as they were (rawMedianMs, timesRaw), with no throughput fields', () => {
    const roundTrip = figure('roundTripMedian');
    expect(roundTrip).toMatchObject({ rawMedianMs: 0.188, timesRaw: 0.9 / 0.188, scaledTarget: expect.closeTo(1, 12), meetsScaledTarget: true });
    expect(roundTrip).not.toHaveProperty('rawPerSecond');
    expect(figure('noopMap')).not.toHaveProperty('rawMedianMs');
    expect(figure('rawZmqRoundTripMedian')).toMatchObject({ rawMedianMs: 0.188 });
  });

  it('shows the fraction of raw and the scaled lower bound in the table', () => {
    const report: BenchReport = {
      bench: 'flotilla', startedAt: 'now', finishedAt: 'now',
      machine: { node: '20', platform: 'linux-x64', cpus: 2, loadAverageStart: [0, 0, 0], loadAverageEnd: [0, 0, 0] },
      cluster: { nWorkers: 2, threadsPerWorker: 1 },
      flotilla, dask, teamBenches: {}, baseline, figures,
    };
    const lines = renderTable(report).split('\n');
    const noopLine = lines.find((l) => l.startsWith('no-op map+gather'));
    expect(noopLine).toMatch(/12,000 tasks\/s\s+≥ 20,000 tasks\/s\s+FAIL\s+0\.30×\s+≥ 10,000 tasks\/s\s+PASS/);
    expect(lines.find((l) => l.startsWith('raw zeromq.js request/replies'))).toContain('40,000 replies/s');
    expect(lines.some((l) => l.includes('40,000 replies/s = median of the passes'))).toBe(true);
  });
});
