/**
 * Server-sent events for open pages. While at least one page is connected, a timer sends every page
 * one batched update per interval (the state now plus the task runs finished since the last update);
 * when the last page leaves, the timer, the `task-run` listener and the event-loop monitor stop, so a
 * scheduler nobody watches does no work per task for the dashboard.
 */
import type { ServerResponse } from 'node:http';
import type { SchedulerServer, TaskRun } from '../scheduler/server.js';
import type { DashboardState, DashboardUpdate } from './snapshot.js';
import type { FiguresMeter } from './figures.js';

/** At most this many task runs go into one update; the rest are counted as dropped. */
const MAX_RUNS_PER_UPDATE = 5_000;
/** A page that reads so slowly that this much is buffered for it is disconnected (it reconnects and starts afresh). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface LiveFeedOptions {
  /** Milliseconds between updates. */
  intervalMs: number;
  /** How far back a newly connected page's task stream goes, in milliseconds. */
  historyMs: number;
  /** Builds the state to send (shared with `/api/state`). */
  state: () => DashboardState;
}

export class LiveFeed {
  readonly #pages = new Set<ServerResponse>();
  #pendingRuns: TaskRun[] = [];
  #dropped = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #onRun = (run: TaskRun) => {
    if (this.#pendingRuns.length < MAX_RUNS_PER_UPDATE) this.#pendingRuns.push(run);
    else this.#dropped++;
  };

  constructor(
    private readonly scheduler: SchedulerServer,
    private readonly meter: FiguresMeter,
    private readonly options: LiveFeedOptions,
  ) {}

  /** How many pages are connected now. */
  get pageCount(): number {
    return this.#pages.size;
  }

  /** Takes over an HTTP response as an event stream: first a snapshot with recent history, then updates. */
  add(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    if (this.#pages.size === 0) this.#start();
    this.#pages.add(response);
    response.on('close', () => this.#remove(response));
    const since = Date.now() - this.options.historyMs;
    const snapshot: DashboardUpdate = { ...this.options.state(), runs: this.scheduler.taskRuns(since), runsDropped: 0 };
    // `retry` tells EventSource how soon to reconnect after the server goes away, in milliseconds.
    this.#write(response, `retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
  }

  /** Ends every stream and stops the timer. */
  close(): void {
    for (const page of [...this.#pages]) page.end();
    this.#pages.clear();
    this.#stop();
  }

  #remove(response: ServerResponse): void {
    if (!this.#pages.delete(response)) return;
    if (this.#pages.size === 0) this.#stop();
  }

  #start(): void {
    // The scheduler's ring buffer gives a new page its history (`taskRuns` starts it); it keeps recording afterwards (cheap).
    this.scheduler.on('task-run', this.#onRun);
    this.meter.start();
    this.#timer = setInterval(() => this.#tick(), this.options.intervalMs);
    this.#timer.unref();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.scheduler.off('task-run', this.#onRun);
    this.meter.stop();
    this.#pendingRuns = [];
    this.#dropped = 0;
  }

  #tick(): void {
    const update: DashboardUpdate = { ...this.options.state(), runs: this.#pendingRuns, runsDropped: this.#dropped };
    this.#pendingRuns = [];
    this.#dropped = 0;
    const frame = `event: update\ndata: ${JSON.stringify(update)}\n\n`;
    for (const page of [...this.#pages]) this.#write(page, frame);
  }

  #write(page: ServerResponse, frame: string): void {
    if (page.writableLength > MAX_BUFFERED_BYTES) {
      page.destroy();
      this.#remove(page);
      return;
    }
    page.write(frame);
  }
}
