/**
 * `performanceReport(client, file, body)`: runs the body, and writes what the cluster did meanwhile
 * (task stream, progress per group, worker memory and task states over time, and a flame graph of
 * where the task threads spent their time) into one HTML file that
 * opens in a browser without a server, like Dask's `performance_report`.
 */
import { resolve } from 'node:path';
import { ConfigurationError } from '../errors/index.js';
import type { WorkerSummary } from '../protocol/messages.js';
import { flameGraph, type FlameGraph } from '../profile/flame.js';
import type { ProfileOptions } from '../profile/options.js';
import type { ProfileTree } from '../profile/tree.js';
import type { TaskRun } from '../scheduler/server.js';
import { reportPageHtml } from './page/report-page.js';
import { packReport, type InfoSample } from './report-data.js';
import { writeAtomically } from '../util/write-atomically.js';

/** The client calls a report needs (a `Client` has them all). */
export interface ReportClient {
  getTaskStream(options: { since?: number }): Promise<TaskRun[]>;
  schedulerInfo(): Promise<{ workers: WorkerSummary[]; tasks: Record<string, number> }>;
  /** The workers' samples of the body's time, for the report's flame graph (none without it). */
  profile?(options: ProfileOptions): Promise<ProfileTree>;
}

/** Options of {@link performanceReport}. */
export interface PerformanceReportOptions {
  /** How often worker memory and task states are sampled, in milliseconds. @defaultValue 250 */
  sampleIntervalMs?: number;
  /** The report's heading. @defaultValue 'flotilla performance report' */
  title?: string;
}

/** Samples kept at most; beyond this every other one is dropped and the interval doubles (about 80 min at 250 ms). */
const MAX_SAMPLES = 20_000;

/**
 * Runs `body` and writes a self-contained HTML report of the cluster's work during it to `file`
 * (parent folders are created; the file is replaced atomically). The report is written even when the
 * body throws; the body's error is then rethrown.
 *
 * @param file - path of the HTML file to write
 * @returns what `body` returned
 * @throws ConfigurationError when `file` is not a non-empty string or `body` not a function
 * @throws the body's own error, after the report is written
 * @example
 * await performanceReport(client, 'report.html', async () => {
 *   await client.gather(client.map(simulate, seeds));
 * });
 */
export async function performanceReport<T>(
  client: ReportClient, file: string, body: () => Promise<T> | T, options: PerformanceReportOptions = {},
): Promise<T> {
  if (typeof file !== 'string' || file.trim() === '') {
    throw new ConfigurationError(`performanceReport needs the path of the HTML file to write, got ${JSON.stringify(file)}; e.g. 'report.html'`);
  }
  if (typeof body !== 'function') {
    throw new ConfigurationError(`performanceReport needs a function to run (the work to report on), got ${typeof body}; e.g. async () => { await client.gather(futures) }`);
  }
  const interval = options.sampleIntervalMs ?? 250;
  if (!Number.isFinite(interval) || interval < 10) {
    throw new ConfigurationError(`performanceReport option sampleIntervalMs must be a number of milliseconds >= 10, got ${String(interval)}`);
  }
  const start = Date.now();
  // Asking once makes the scheduler record task runs from now on (it records only when asked).
  await client.getTaskStream({ since: start });
  const sampler = new InfoSampler(client, interval);
  sampler.start();

  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await body() };
  } catch (error) {
    outcome = { ok: false, error };
  }

  try {
    const samples = await sampler.stop();
    const stop = Date.now();
    const runs = await client.getTaskStream({ since: start });
    const notes = [...sampler.notes];
    if (!outcome.ok) notes.push(`The body failed: ${describe(outcome.error)}`);
    const profile = await profileOf(client, start, stop, notes);
    const data = packReport(options.title ?? 'flotilla performance report', start, stop, runs, samples, notes, profile);
    writeAtomically(resolve(file), reportPageHtml(data));
  } catch (reportError) {
    if (outcome.ok) throw reportError;
    // The body's error matters more to the caller; the report's failure is still said.
    process.emitWarning(`performanceReport could not write ${file}: ${describe(reportError)}`, 'FlotillaWarning');
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** The flame graph of the samples taken between `start` and `stop`, or null with a note saying why not. */
async function profileOf(client: ReportClient, start: number, stop: number, notes: string[]): Promise<FlameGraph | null> {
  if (!client.profile) return null;
  try {
    return flameGraph(await client.profile({ start, stop }));
  } catch (error) {
    notes.push(`No profile of the task threads: ${describe(error)}`);
    return null;
  }
}

/** Polls `schedulerInfo()` every `intervalMs` (never two polls at once) until stopped. */
class InfoSampler {
  readonly samples: InfoSample[] = [];
  readonly notes: string[] = [];
  #interval: number;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #stopped = false;

  constructor(private readonly client: ReportClient, intervalMs: number) {
    this.#interval = intervalMs;
  }

  start(): void {
    this.#poll();
  }

  async stop(): Promise<InfoSample[]> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#inFlight;
    // One last sample, so the charts reach the end of the body.
    await this.#sample();
    return this.samples;
  }

  #poll(): void {
    this.#inFlight = this.#sample().then(() => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.#poll(), this.#interval);
    });
  }

  async #sample(): Promise<void> {
    if (this.notes.length > 0) return;
    try {
      const info = await this.client.schedulerInfo();
      this.samples.push({ time: Date.now(), workers: info.workers, tasks: info.tasks });
      if (this.samples.length > MAX_SAMPLES) this.#thin();
    } catch (error) {
      // Sampling is secondary to the user's work: stop it, and say so in the report.
      this.notes.push(`Memory and task-state sampling stopped at ${new Date().toISOString()}: ${describe(error)}`);
      this.#stopped = true;
    }
  }

  #thin(): void {
    const kept = this.samples.filter((_, i) => i % 2 === 0);
    this.samples.splice(0, this.samples.length, ...kept);
    this.#interval *= 2;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
