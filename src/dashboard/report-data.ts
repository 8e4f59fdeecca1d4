/**
 * The data a performance report embeds, in a compact column form: a report of a hundred thousand tasks
 * stays a few megabytes. Times are milliseconds relative to the report's start, to the microsecond.
 */
import type { WorkerSummary } from '../protocol/messages.js';
import type { FlameGraph } from '../profile/flame.js';
import type { TaskRun } from '../scheduler/server.js';

/** One poll of `client.schedulerInfo()` during the body. */
export interface InfoSample {
  /** Milliseconds since the epoch. */
  time: number;
  workers: WorkerSummary[];
  tasks: Record<string, number>;
}

/** A worker that appeared in any sample or run. */
export interface ReportWorker {
  id: string;
  host: string;
  nthreads: number;
  /** Bytes; 0 when unknown. */
  memoryLimit: number;
}

/** What the report's HTML embeds (as JSON) and draws. */
export interface ReportData {
  version: 1;
  title: string;
  /** Milliseconds since the epoch. */
  start: number;
  stop: number;
  groups: string[];
  workers: ReportWorker[];
  runs: {
    key: string[];
    /** Index into `groups`. */
    group: number[];
    /** Index into `workers`. */
    worker: number[];
    thread: number[];
    /** Relative to `start`, in milliseconds. */
    start: number[];
    stop: number[];
    /** 1 for a run that failed. */
    erred: number[];
    nbytes: number[];
    /** 1 for a move of results (a transfer; its group index is -1), else 0. */
    transfer: number[];
    /** For a transfer: the source and destination ('' for a task run). */
    source: string[];
    destination: string[];
  };
  samples: {
    /** Relative to `start`, in milliseconds. */
    time: number[];
    tasks: Record<string, number>[];
    /** Per sample, resident bytes per worker (index into `workers`; null when the worker was not there). */
    memory: (number | null)[][];
  };
  /** Things the reader should know (sampling stopped early, the body failed). */
  notes: string[];
  /** The flame graph of the task threads' samples during the body; null when there is none (see `notes`). */
  profile: FlameGraph | null;
}

const relative = (t: number, start: number) => Math.round((t - start) * 1000) / 1000;

/** Packs runs, samples and the profile into {@link ReportData}. Runs that ended before `start` are left out. */
export function packReport(title: string, start: number, stop: number, runs: readonly TaskRun[], samples: readonly InfoSample[], notes: string[], profile: FlameGraph | null = null): ReportData {
  const groups = new Map<string, number>();
  // Workers are numbered in name order (local-0, local-1, … local-10), as the live page lists them.
  const seen = new Map<string, ReportWorker>();
  for (const sample of samples) {
    for (const w of sample.workers) seen.set(w.id, { id: w.id, host: w.host, nthreads: w.nthreads, memoryLimit: w.memoryLimit });
  }
  for (const run of runs) if (!seen.has(run.worker)) seen.set(run.worker, { id: run.worker, host: '', nthreads: 0, memoryLimit: 0 });
  const workerList = [...seen.values()].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  const workerIndex = new Map(workerList.map((w, i) => [w.id, i]));

  const packed: ReportData['runs'] = { key: [], group: [], worker: [], thread: [], start: [], stop: [], erred: [], nbytes: [], transfer: [], source: [], destination: [] };
  const ordered = runs.filter((run) => run.stop >= start).sort((a, b) => a.start - b.start);
  for (const run of ordered) {
    const moved = run.kind === 'transfer';
    let group = moved ? -1 : groups.get(run.group);
    if (group === undefined) groups.set(run.group, (group = groups.size));
    packed.key.push(run.key);
    packed.group.push(group);
    packed.worker.push(workerIndex.get(run.worker)!);
    packed.thread.push(run.thread);
    packed.start.push(relative(run.start, start));
    packed.stop.push(relative(run.stop, start));
    packed.erred.push(run.status === 'erred' ? 1 : 0);
    packed.nbytes.push(run.nbytes);
    packed.transfer.push(moved ? 1 : 0);
    packed.source.push(moved ? run.source ?? '' : '');
    packed.destination.push(moved ? run.destination ?? '' : '');
  }
  const memory = samples.map((sample) => {
    const row: (number | null)[] = new Array<number | null>(workerList.length).fill(null);
    for (const w of sample.workers) row[workerIndex.get(w.id)!] = w.memory;
    return row;
  });
  return {
    version: 1, title, start, stop,
    groups: [...groups.keys()],
    workers: workerList,
    runs: packed,
    samples: { time: samples.map((s) => relative(s.time, start)), tasks: samples.map((s) => s.tasks), memory },
    notes,
    profile,
  };
}

/** JSON that is safe inside a `<script>` element: no `</script>`, no `<!--`. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
