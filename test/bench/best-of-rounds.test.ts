/** Combining alternating rounds of one side: the best figure of the good rounds, every round kept, failures named. */
import { describe, expect, it } from 'vitest';
import { bestOfRounds, lowerIsBetter, type RoundPass } from '../../bench/raw-baseline.js';
import { emptyResult, type WorkloadResult } from '../../bench/workload-types.js';

function latencyRound(when: string, medianMs: number, p99Ms: number, samples: number[]): RoundPass {
  return { when, result: { status: 'ok', metrics: { medianMs, p99Ms }, samples, sampleUnit: 'ms', detail: { calls: samples.length }, elapsedSeconds: 1.5 } };
}

function failedRound(when: string, status: WorkloadResult['status'], error: string): RoundPass {
  return { when, result: emptyResult(status, 30, { error }) };
}

describe('bestOfRounds', () => {
  it('takes the lowest latency of each metric, keeps every sample and round', () => {
    const combined = bestOfRounds([latencyRound('round 1', 0.2, 0.9, [0.2, 0.21]), latencyRound('round 2', 0.3, 0.7, [0.3])]);
    expect(combined.status).toBe('ok');
    expect(combined.metrics).toEqual({ medianMs: 0.2, p99Ms: 0.7 });
    expect(combined.samples).toEqual([0.2, 0.21, 0.3]);
    expect(combined.sampleUnit).toBe('ms');
    expect(combined.elapsedSeconds).toBe(3);
    expect(combined.note).toBeUndefined();
    expect(combined.detail?.combined).toBe('best of 2 round(s) (lowest latency, highest rate)');
    expect(combined.detail?.rounds).toEqual([
      { when: 'round 1', status: 'ok', medianMs: 0.2, p99Ms: 0.9, calls: 2, elapsedSeconds: 1.5 },
      { when: 'round 2', status: 'ok', medianMs: 0.3, p99Ms: 0.7, calls: 1, elapsedSeconds: 1.5 },
    ]);
  });

  it('takes the highest rate', () => {
    const round = (when: string, rate: number, mbps: number): RoundPass => ({ when, result: { status: 'ok', metrics: { repliesPerSecond: rate, scatterMBps: mbps }, samples: [rate], sampleUnit: 'replies/s', elapsedSeconds: 2 } });
    expect(bestOfRounds([round('round 1', 30_000, 900), round('round 2', 40_000, 800)]).metrics).toEqual({ repliesPerSecond: 40_000, scatterMBps: 900 });
    expect(lowerIsBetter('medianSeconds')).toBe(true);
    expect(lowerIsBetter('tasksPerSecond')).toBe(false);
  });

  it('uses the good rounds when one failed, and names the failure', () => {
    const combined = bestOfRounds([latencyRound('round 1', 0.2, 0.5, [0.2]), failedRound('round 2', 'timeout', 'TimeoutError: slow')]);
    expect(combined.status).toBe('ok');
    expect(combined.metrics).toEqual({ medianMs: 0.2, p99Ms: 0.5 });
    expect(combined.note).toBe('round(s) failed, figures from the others: round 2: TIMEOUT — TimeoutError: slow');
  });

  it('fails with the first failure’s status and every error when all rounds failed, and is skipped with none', () => {
    const combined = bestOfRounds([failedRound('round 1', 'error', 'Error: gone'), failedRound('round 2', 'timeout', 'TimeoutError: slow')]);
    expect(combined.status).toBe('error');
    expect(combined.error).toBe('round 1: ERROR — Error: gone; round 2: TIMEOUT — TimeoutError: slow');
    expect(bestOfRounds([])).toMatchObject({ status: 'skipped', error: 'no round was run' });
  });
});
