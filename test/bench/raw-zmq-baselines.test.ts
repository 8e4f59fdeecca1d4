/**
 * Small real runs of the raw zeromq.js baselines (a ROUTER here, a DEALER echo in a child Node process
 * over 127.0.0.1): they yield a positive finite figure, and the child is gone afterwards, also when
 * the run times out.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/index.js';
import { measureRawZmqBulk } from '../../bench/workloads/raw-zmq-bulk.js';
import { measureRawZmqHops, measureRawZmqRoundTrip } from '../../bench/workloads/raw-zmq-round-trip.js';
import { measureRawZmqThroughput } from '../../bench/workloads/raw-zmq-throughput.js';

/** True while a process with this pid exists (a zombie counts: it has not been reaped yet). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('raw zeromq.js baselines, small real runs', () => {
  it('round trip: a positive finite median over a bounded number of calls, and the echo child is gone', async () => {
    const pids: number[] = [];
    const measurement = await measureRawZmqRoundTrip(20, { maxRepetitions: 300, minRepetitions: 50, budgetSeconds: 5, timeLimitSeconds: 30 }, (pid) => pids.push(pid));
    expect(measurement.metrics.medianMs).toBeGreaterThan(0);
    expect(Number.isFinite(measurement.metrics.medianMs)).toBe(true);
    expect(measurement.metrics.p99Ms).toBeGreaterThanOrEqual(measurement.metrics.medianMs!);
    expect(measurement.samples.length).toBeGreaterThanOrEqual(50);
    expect(measurement.samples.length).toBeLessThanOrEqual(300);
    expect(pids).toHaveLength(1);
    expect(exists(pids[0]!)).toBe(false);
  });

  it('hops: one hop, a thread hop and a two-hop relay each give a finite median, and every child is gone', async () => {
    const pids: number[] = [];
    const measurement = await measureRawZmqHops(10, { maxRepetitions: 100, minRepetitions: 30, budgetSeconds: 5, timeLimitSeconds: 30 }, (pid) => pids.push(pid));
    for (const metric of ['medianMs', 'threadHopMedianMs', 'relayMedianMs']) {
      expect(measurement.metrics[metric], metric).toBeGreaterThan(0);
      expect(Number.isFinite(measurement.metrics[metric]), metric).toBe(true);
    }
    expect(measurement.detail?.floorRelay).toBeCloseTo(measurement.metrics.relayMedianMs! / measurement.metrics.medianMs!, 9);
    expect(measurement.detail?.floorThreadHop).toBeCloseTo(measurement.metrics.threadHopMedianMs! / measurement.metrics.medianMs!, 9);
    // One child per shape (the relay's own echo exits with it: its IPC channel closes).
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(exists(pid)).toBe(false);
  });

  it('throughput: positive finite replies per second over a bounded count, and the echo child is gone', async () => {
    const pids: number[] = [];
    const measurement = await measureRawZmqThroughput({
      warmup: 50, inFlight: 32, limits: { maxRepetitions: 400, minRepetitions: 100, budgetSeconds: 5, timeLimitSeconds: 30 },
      onEchoStarted: (pid) => pids.push(pid),
    });
    const rate = measurement.metrics.repliesPerSecond!;
    expect(rate).toBeGreaterThan(0);
    expect(Number.isFinite(rate)).toBe(true);
    const replies = measurement.detail?.replies as number;
    expect(replies).toBeGreaterThanOrEqual(100);
    expect(replies).toBeLessThanOrEqual(400);
    // The figure is the timed replies over the timed seconds, nothing else.
    expect(rate).toBeCloseTo(replies / (measurement.detail?.seconds as number), 6);
    expect(measurement.detail).toMatchObject({ warmup: 50, inFlight: 32 });
    expect(pids).toHaveLength(1);
    expect(exists(pids[0]!)).toBe(false);
  });

  it('kills the echo child when the time limit passes before it answers', async () => {
    const pids: number[] = [];
    // 1 ms: no Node child can start and say hello that fast.
    const run = measureRawZmqThroughput({
      warmup: 0, inFlight: 8, limits: { maxRepetitions: 100, minRepetitions: 10, budgetSeconds: 1, timeLimitSeconds: 0.001 },
      onEchoStarted: (pid) => pids.push(pid),
    });
    await expect(run).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(pids).toHaveLength(1);
    expect(exists(pids[0]!)).toBe(false);
  });

  it('rejects a window of no requests before starting a child', async () => {
    const pids: number[] = [];
    const run = measureRawZmqThroughput({
      warmup: 0, inFlight: 0, limits: { maxRepetitions: 100, minRepetitions: 10, budgetSeconds: 1, timeLimitSeconds: 5 },
      onEchoStarted: (pid) => pids.push(pid),
    });
    await expect(run).rejects.toBeInstanceOf(ConfigurationError);
    await expect(run).rejects.toThrow(/inFlight must be a whole number of at least 1, got 0/);
    expect(pids).toEqual([]);
  });

  it('bulk: moves the bytes both ways (a last frame shorter than 1 MiB included), and the child is gone', async () => {
    const pids: number[] = [];
    const bytes = 3 * 1024 * 1024 + 100;
    const measurement = await measureRawZmqBulk({ bytes, repetitions: 2, timeLimitSeconds: 30, onChildStarted: (pid) => pids.push(pid) });
    for (const metric of ['scatterMBps', 'gatherMBps']) {
      expect(measurement.metrics[metric]).toBeGreaterThan(0);
      expect(Number.isFinite(measurement.metrics[metric])).toBe(true);
    }
    expect(measurement.samples).toHaveLength(4);
    expect(measurement.detail).toMatchObject({ bytes, repetitions: 2 });
    expect(pids).toHaveLength(1);
    expect(exists(pids[0]!)).toBe(false);
  });
});
