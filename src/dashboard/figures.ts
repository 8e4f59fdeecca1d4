/**
 * The scheduler's own load for the dashboard: tasks and messages per second from cumulative counters,
 * and the event-loop delay from `perf_hooks.monitorEventLoopDelay`. The delay monitor runs a timer of
 * its own, so it is enabled only while a page is open.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { SchedulerFigures } from './snapshot.js';

/** Rates are measured over this many milliseconds of history. */
const RATE_WINDOW_MS = 2_000;
/** The event-loop delay is reported per window of this length, in milliseconds. */
const DELAY_WINDOW_MS = 1_000;
/** Sampling interval of the delay monitor, in milliseconds: fine enough to see a stalled loop, cheap to run. */
const DELAY_RESOLUTION_MS = 10;

interface Sample { time: number; tasks: number; messages: number }

export class FiguresMeter {
  #samples: Sample[] = [];
  #histogram: IntervalHistogram | undefined;
  #windowStart = 0;
  #lastDelay: SchedulerFigures['eventLoopDelayMs'];

  /** Starts measuring the event-loop delay (idempotent). */
  start(): void {
    if (this.#histogram) return;
    this.#histogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
    this.#histogram.enable();
    this.#windowStart = Date.now();
  }

  /** Stops the event-loop monitor; rates keep working from the counters. */
  stop(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
    this.#lastDelay = undefined;
    this.#samples = [];
  }

  /**
   * Records the cumulative counters at `time` and returns the figures.
   * @param tasksDone - tasks finished or erred since the scheduler started
   * @param messages - messages received plus sent since the scheduler started
   */
  sample(time: number, tasksDone: number, messages: number): SchedulerFigures {
    this.#samples.push({ time, tasks: tasksDone, messages });
    while (this.#samples.length > 2 && time - this.#samples[1]!.time >= RATE_WINDOW_MS) this.#samples.shift();
    const first = this.#samples[0]!;
    const seconds = (time - first.time) / 1000;
    const rate = (now: number, then: number) => (seconds > 0 ? Math.max(0, now - then) / seconds : 0);
    this.#rollDelayWindow(time);
    const figures: SchedulerFigures = {
      tasksPerSecond: rate(tasksDone, first.tasks),
      messagesPerSecond: rate(messages, first.messages),
    };
    if (this.#lastDelay) figures.eventLoopDelayMs = this.#lastDelay;
    return figures;
  }

  #rollDelayWindow(time: number): void {
    const histogram = this.#histogram;
    if (!histogram || time - this.#windowStart < DELAY_WINDOW_MS) return;
    if (histogram.count > 0) {
      // The monitor records whole timer intervals; the delay is what exceeds the resolution.
      const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - DELAY_RESOLUTION_MS) * 100) / 100);
      this.#lastDelay = { mean: ms(histogram.mean), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
    }
    histogram.reset();
    this.#windowStart = time;
  }
}
