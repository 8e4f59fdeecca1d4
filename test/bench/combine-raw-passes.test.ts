/** Combining the passes of a raw zeromq.js baseline: medians of the good passes, drift, and failures named. */
import { describe, expect, it } from 'vitest';
import { combineRawPasses, THROUGHPUT_COMBINATION, type RawPass } from '../../bench/raw-baseline.js';
import { emptyResult, type WorkloadResult } from '../../bench/workload-types.js';

function roundTripPass(when: string, medianMs: number, p99Ms: number, samples: number[]): RawPass {
  return { when, result: { status: 'ok', metrics: { medianMs, p99Ms }, samples, sampleUnit: 'ms', detail: { calls: samples.length }, elapsedSeconds: 1.5 } };
}

function failedPass(when: string, status: WorkloadResult['status'], error: string): RawPass {
  return { when, result: emptyResult(status, 30, { error }) };
}

describe('combineRawPasses', () => {
  it('takes the median of both passes, keeps every sample and pass, and reports the drift', () => {
    const combined = combineRawPasses([roundTripPass('before roundTrip', 0.2, 0.5, [0.2, 0.21]), roundTripPass('after run', 0.3, 0.7, [0.3])]);
    expect(combined.status).toBe('ok');
    expect(combined.metrics.medianMs).toBeCloseTo(0.25, 12);
    expect(combined.metrics.p99Ms).toBeCloseTo(0.6, 12);
    expect(combined.samples).toEqual([0.2, 0.21, 0.3]);
    expect(combined.sampleUnit).toBe('ms');
    expect(combined.elapsedSeconds).toBe(3);
    expect(combined.note).toBeUndefined();
    expect(combined.detail?.combined).toBe('median of the per-pass medians (and p99s)');
    expect(combined.detail?.medianDriftPercent).toBeCloseTo(50, 9);
    expect(combined.detail?.passes).toEqual([
      { when: 'before roundTrip', status: 'ok', medianMs: 0.2, p99Ms: 0.5, calls: 2, elapsedSeconds: 1.5 },
      { when: 'after run', status: 'ok', medianMs: 0.3, p99Ms: 0.7, calls: 1, elapsedSeconds: 1.5 },
    ]);
  });

  it('combines throughput passes by replies per second, with their own drift key', () => {
    const pass = (when: string, rate: number): RawPass => ({ when, result: { status: 'ok', metrics: { repliesPerSecond: rate }, samples: [rate], sampleUnit: 'replies/s', elapsedSeconds: 2 } });
    const combined = combineRawPasses([pass('before noopMap', 40_000), pass('after ladder', 30_000)], THROUGHPUT_COMBINATION);
    expect(combined.metrics).toEqual({ repliesPerSecond: 35_000 });
    expect(combined.sampleUnit).toBe('replies/s');
    expect(combined.detail?.repliesPerSecondDriftPercent).toBeCloseTo(-25, 9);
    expect(combined.detail).not.toHaveProperty('medianDriftPercent');
  });

  it('uses the good pass alone when the other failed, and names the failure', () => {
    const combined = combineRawPasses([roundTripPass('before roundTrip', 0.2, 0.5, [0.2]), failedPass('after run', 'timeout', 'TimeoutError: raw zeromq.js round trips did not finish within 30.0 s')]);
    expect(combined.status).toBe('ok');
    expect(combined.metrics).toEqual({ medianMs: 0.2, p99Ms: 0.5 });
    expect(combined.samples).toEqual([0.2]);
    expect(combined.note).toContain('after run: TIMEOUT — TimeoutError: raw zeromq.js round trips');
    // One good pass has no drift.
    expect(combined.detail).not.toHaveProperty('medianDriftPercent');
    expect((combined.detail?.passes as unknown[]).length).toBe(2);
  });

  it('fails with the first failure’s status and every error when all passes failed', () => {
    const combined = combineRawPasses([failedPass('before noopMap', 'error', 'Error: the raw zeromq.js echo process exited early'), failedPass('after ladder', 'timeout', 'TimeoutError: slow')], THROUGHPUT_COMBINATION);
    expect(combined.status).toBe('error');
    expect(combined.metrics).toEqual({});
    expect(combined.samples).toEqual([]);
    expect(combined.error).toBe('before noopMap: ERROR — Error: the raw zeromq.js echo process exited early; after ladder: TIMEOUT — TimeoutError: slow');
    expect(combined.elapsedSeconds).toBe(60);
  });

  it('reports a run with no pass as skipped', () => {
    const combined = combineRawPasses([]);
    expect(combined.status).toBe('skipped');
    expect(combined.error).toBe('no pass was run');
  });
});
