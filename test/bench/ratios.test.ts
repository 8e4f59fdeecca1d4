/**
 * The bench's figures as ratios to raw zeromq.js of the same run: flotilla ÷ raw (latencies, the map,
 * scatter, gather), tasks per raw round trip (the ladder), the goals on them, and the table.
 */
import { describe, expect, it } from 'vitest';
import { buildFigures, renderTable, type BenchReport, type DaskSection } from '../../bench/report.js';
import { FIGURE_ROWS, meetsBound, ratioOf, type FigureRow } from '../../bench/targets.js';
import type { WorkloadResult } from '../../bench/workload-types.js';

function row(id: string): FigureRow {
  const found = FIGURE_ROWS.find((r) => r.id === id);
  if (!found) throw new Error(`no figure row ${id}`);
  return found;
}

function ok(metrics: Record<string, number>): WorkloadResult {
  return { status: 'ok', metrics, samples: [], sampleUnit: '', elapsedSeconds: 1 };
}

describe('ratioOf and the goals', () => {
  it('divides latencies and rates by the raw figure, and multiplies the ladder rate by the raw round trip', () => {
    expect(ratioOf(row('roundTripMedian'), 0.3, 0.2)).toBeCloseTo(1.5, 12);
    expect(ratioOf(row('noopMap'), 12_000, 40_000)).toBeCloseTo(0.3, 12);
    // 10,000 tasks/s with a raw round trip of 0.15 ms: 1.5 tasks per raw round trip.
    expect(ratioOf(row('ladder'), 10_000, 0.15)).toBeCloseTo(1.5, 12);
    expect(ratioOf(row('gather'), 900, 1_000)).toBeCloseTo(0.9, 12);
  });

  it('judges a latency ratio from above and a rate ratio from below, goal included', () => {
    expect(meetsBound(row('roundTripMedian'), 1.5, 1.5)).toBe(true);
    expect(meetsBound(row('roundTripMedian'), 1.5, 1.51)).toBe(false);
    expect(meetsBound(row('noopMap'), 1.0, 0.99)).toBe(false);
    expect(meetsBound(row('ladder'), 1.5, 1.5)).toBe(true);
    expect(meetsBound(row('roundTripP99'), undefined, 3)).toBeUndefined();
  });

  it('gives no ratio without a raw side or with a missing or unusable figure', () => {
    expect(ratioOf(row('clusterStart'), 0.2, 0.2)).toBeUndefined();
    expect(ratioOf(row('noopMapVsTunedDask'), 12_000, 40_000)).toBeUndefined();
    const roundTrip = row('roundTripMedian');
    expect(ratioOf(roundTrip, undefined, 0.2)).toBeUndefined();
    expect(ratioOf(roundTrip, 0.4, undefined)).toBeUndefined();
    expect(ratioOf(roundTrip, 0.4, 0)).toBeUndefined();
    expect(ratioOf(roundTrip, Number.NaN, 0.2)).toBeUndefined();
    expect(ratioOf(roundTrip, 0.4, Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('compares the round trip with the floors of as many hops, without a goal', () => {
    expect(row('roundTripVsThreadHop').raw?.metric).toBe('threadHopMedianMs');
    expect(row('roundTripVsRelay').raw?.metric).toBe('relayMedianMs');
    expect(ratioOf(row('roundTripVsRelay'), 0.6, 0.2)).toBeCloseTo(3, 12);
    expect(row('roundTripVsRelay').goal).toBeUndefined();
  });

  it('has the goals of issues 17 and 18', () => {
    expect(Object.fromEntries(FIGURE_ROWS.filter((r) => r.goal !== undefined).map((r) => [r.id, `${r.better} ${r.goal}`]))).toEqual({
      noopMap: 'higher 1', ladder: 'higher 1.5', roundTripMedian: 'lower 1.5', runMedian: 'lower 1.5', scatter: 'higher 0.9', gather: 'higher 0.9',
      actorRoundTripMedian: 'lower 1.5',
    });
  });
});

describe('figures and table', () => {
  const flotilla: BenchReport['flotilla'] = {
    noopMap: ok({ tasksPerSecond: 12_000 }),
    ladder: ok({ tasksPerSecond: 8_000 }),
    roundTrip: ok({ medianMs: 0.9, p99Ms: 2 }),
    scatterGather: ok({ scatterMBps: 950, gatherMBps: 600 }),
  };
  const raw: BenchReport['raw'] = {
    noopMap: ok({ repliesPerSecond: 40_000 }),
    ladder: ok({ medianMs: 0.125, p99Ms: 0.3 }),
    roundTrip: ok({ medianMs: 0.2, p99Ms: 0.4 }),
    scatterGather: ok({ scatterMBps: 1_000, gatherMBps: 1_000 }),
  };
  const dask: DaskSection = { requested: false, available: false, workloads: {} };
  const figures = buildFigures(flotilla, raw, dask);
  const figure = (id: string): Record<string, unknown> => figures.find((f) => f.id === id) as unknown as Record<string, unknown>;

  it('puts flotilla, raw, the ratio and whether it meets the goal on each row', () => {
    expect(figure('noopMap')).toMatchObject({ flotilla: 12_000, raw: 40_000, rawUnit: 'replies/s', ratio: 0.3, ratioKind: 'quotient', goal: 1, meetsGoal: false });
    expect(figure('ladder')).toMatchObject({ flotilla: 8_000, raw: 0.125, rawUnit: 'ms', ratio: 1, ratioKind: 'perRawRoundTrip', goal: 1.5, meetsGoal: false });
    expect(figure('roundTripMedian')).toMatchObject({ flotilla: 0.9, raw: 0.2, ratio: expect.closeTo(4.5, 12), meetsGoal: false });
    expect(figure('roundTripP99')).toMatchObject({ flotilla: 2, raw: 0.4, ratio: 5 });
    expect(figure('roundTripP99')).not.toHaveProperty('meetsGoal');
    expect(figure('scatter')).toMatchObject({ ratio: 0.95, meetsGoal: true });
    expect(figure('gather')).toMatchObject({ ratio: 0.6, meetsGoal: false });
    expect(figure('runMedian')).not.toHaveProperty('flotilla');
  });

  it('prints flotilla, raw, ratio, goal and pass, and leaves out workloads not run', () => {
    const report: BenchReport = {
      bench: 'flotilla', startedAt: 'now', finishedAt: 'now',
      machine: { node: '20', platform: 'linux-x64', cpus: 2, loadAverageStart: [0, 0, 0], loadAverageEnd: [0, 0, 0] },
      cluster: { nWorkers: 2, threadsPerWorker: 1 }, rounds: 3,
      flotilla, raw, dask, teamBenches: {}, figures,
    };
    const lines = renderTable(report).split('\n');
    expect(lines.find((l) => l.startsWith('no-op map+gather'))).toMatch(/12,000 tasks\/s\s+40,000 replies\/s\s+0\.30×\s+≥ 1\.00×\s+FAIL/);
    expect(lines.find((l) => l.startsWith('ladder'))).toMatch(/8,000 tasks\/s\s+0\.125 ms\s+1\.00 per raw RTT\s+≥ 1\.50 per raw RTT\s+FAIL/);
    expect(lines.find((l) => l.startsWith('scatter'))).toMatch(/950 MB\/s\s+1,000 MB\/s\s+0\.95×\s+≥ 0\.90×\s+PASS/);
    expect(lines.some((l) => l.startsWith('client.run'))).toBe(false);
    expect(lines.some((l) => l.includes('3 alternating round(s)'))).toBe(true);
  });
});
