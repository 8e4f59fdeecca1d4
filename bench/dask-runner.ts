/**
 * Runs the Dask twin of a workload (bench/dask/workloads.py) with Debian's Python, one workload per
 * Python process, and reads its JSON. The Python process gets its own process group, so that on a
 * hang everything it started (scheduler, nannies, worker processes) can be stopped by the group id.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RepetitionLimits } from './limits.js';
import { reapProcessGroup } from './process-group.js';
import { emptyResult, type WorkloadId, type WorkloadResult, type WorkloadStatus } from './workload-types.js';

/** Debian's interpreter: a `python3` earlier on PATH (pyenv) does not see python3-distributed. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** The Dask workloads: flotilla's, plus the no-op map with Dask's best setting for small tasks. */
export type DaskWorkloadId = Exclude<WorkloadId, 'scatterGather' | 'actorRoundTrip'> | 'noopMapTuned';

/** This file compiles to dist/bench/; the Python script stays in the source tree. */
const SCRIPT = fileURLToPath(new URL('../../bench/dask/workloads.py', import.meta.url));

/** Seconds the Python process may take beyond the workload's own limit (imports, cluster close). */
const PROCESS_GRACE_SECONDS = 60;
const STDERR_TAIL_LINES = 30;
/** How long Dask's helper processes may take to follow the main process out. */
const STRAY_GRACE_MS = 3_000;

export type DaskProbe = { available: true; version: string } | { available: false; reason: string };

/** Checks that `python` can import distributed; the reason says how to fix it when not. */
export function probeDask(python: string): DaskProbe {
  if (!existsSync(SCRIPT)) return { available: false, reason: `the Dask workload script ${SCRIPT} is missing` };
  const probe = spawnSync(python, ['-c', 'import distributed; print(distributed.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.error) return { available: false, reason: `${python} could not be run (${probe.error.message}); pass --python=<path> or install python3` };
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').at(-1) ?? '';
    return { available: false, reason: `${python} cannot import distributed (${last}); install it with: apt-get install -y python3-distributed` };
  }
  return { available: true, version: probe.stdout.trim() };
}

const active = new Set<ChildProcess>();

/** Stops every running Python workload and what it started (on Ctrl-C). */
export function stopAllDask(): void {
  for (const child of active) signalGroup(child, 'SIGKILL');
}

export interface DaskRunOptions {
  python: string;
  tasks: number;
  warmup: number;
  limits: RepetitionLimits;
  /** Called with each progress line the script prints (`# ...` on stderr). */
  onProgress?: (line: string) => void;
}

/** Runs one Dask workload; never throws. */
export async function runDaskWorkload(id: DaskWorkloadId, options: DaskRunOptions): Promise<WorkloadResult> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const { limits } = options;
  const args = [
    SCRIPT, '--workload', id, '--tasks', String(options.tasks), '--warmup', String(options.warmup),
    '--max-repetitions', String(limits.maxRepetitions), '--min-repetitions', String(limits.minRepetitions),
    '--budget-seconds', String(limits.budgetSeconds), '--time-limit-seconds', String(limits.timeLimitSeconds),
  ];
  const child = spawn(options.python, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  active.add(child);
  let stdout = '';
  const stderrTail: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('# ')) options.onProgress?.(line.slice(2));
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    }
  });
  let killedForHanging = false;
  let killTimer: NodeJS.Timeout | undefined;
  const hardLimitMs = (limits.timeLimitSeconds + PROCESS_GRACE_SECONDS) * 1000;
  const hardTimer = setTimeout(() => {
    killedForHanging = true;
    // SIGTERM first: the script unwinds through its `finally` blocks and closes its clusters.
    signalGroup(child, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
  }, hardLimitMs);
  // 'close' (all output read) can wait forever when a stray grandchild keeps the pipes open, so wait
  // for 'exit', then for the output within bounds.
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.on('error', (spawnError) => resolve({ code: null, signal: null, spawnError }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(hardTimer);
  clearTimeout(killTimer);
  active.delete(child);
  await waitAtMost(closed, STRAY_GRACE_MS);
  // Dask's processes are in the child's group; any still running a few seconds after it exited are strays.
  const strays = child.pid === undefined ? [] : await reapProcessGroup(child.pid, STRAY_GRACE_MS);
  await waitAtMost(closed, 2_000);
  child.stdout!.destroy();
  child.stderr!.destroy();
  const strayNote = strays.length > 0 ? `process(es) ${strays.join(', ')} of the Python run were still running ${STRAY_GRACE_MS / 1000} s after it exited and were killed with SIGKILL` : undefined;
  if (exit.spawnError) return emptyResult('error', seconds(), { error: `could not start ${options.python}: ${exit.spawnError.message}` });
  if (killedForHanging) {
    return emptyResult('timeout', seconds(), { error: `the Python process did not exit within ${hardLimitMs / 1000} s and was killed; last stderr:\n${stderrTail.join('\n')}` });
  }
  const parsed = parseLastJsonLine(stdout);
  if (!parsed) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    return emptyResult('error', seconds(), { error: `the Python process ${how} without printing its JSON; last stderr:\n${stderrTail.join('\n')}` });
  }
  return { ...parsed, ...(strayNote ? { note: [parsed.note, strayNote].filter(Boolean).join('; ') } : {}) };
}

/** Waits for `event`, or `ms` milliseconds if it comes later; the timer never outlives the wait. */
async function waitAtMost(event: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([event, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends `signal` to the child's process group; true when the group still existed. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

const STATUSES: readonly WorkloadStatus[] = ['ok', 'error', 'timeout', 'skipped'];

/** The workload result in the script's last JSON line, checked field by field; undefined if there is none. */
function parseLastJsonLine(stdout: string): WorkloadResult | undefined {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const record = raw as Record<string, unknown>;
  const status = STATUSES.find((s) => s === record.status);
  if (!status) return undefined;
  const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : []);
  const metrics = typeof record.metrics === 'object' && record.metrics !== null
    ? Object.fromEntries(Object.entries(record.metrics).filter((e): e is [string, number] => typeof e[1] === 'number'))
    : {};
  return {
    status,
    metrics,
    samples: numbers(record.samples),
    sampleUnit: typeof record.sampleUnit === 'string' ? record.sampleUnit : '',
    ...(typeof record.detail === 'object' && record.detail !== null ? { detail: record.detail as Record<string, unknown> } : {}),
    ...(typeof record.note === 'string' ? { note: record.note } : {}),
    ...(typeof record.error === 'string' ? { error: record.error } : {}),
    elapsedSeconds: typeof record.elapsedSeconds === 'number' ? record.elapsedSeconds : Number.NaN,
  };
}
