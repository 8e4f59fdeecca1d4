/**
 * `npm run bench`: flotilla's performance figures against the targets of issue 2, and with
 * `--compare-dask` the same workloads on Dask distributed in the same run, workload by workload
 * (so both sides see the same noise on this shared machine), with the flotilla/Dask ratios.
 * The throughput workloads are bracketed by raw zeromq.js pipelined request/replies, and the latency
 * workloads by raw zeromq.js round trips (one pass before, one after each group), which scale their
 * targets to this machine's transport as it is during the run.
 *
 * Every workload runs on its own cluster with its own time limit; one that errors or hangs is
 * reported and the bench goes on. Every cluster is closed, also on Ctrl-C.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseBenchArgs, USAGE, type BenchArgs } from './args.js';
import { probeDask, runDaskWorkload, stopAllDask, type DaskWorkloadId } from './dask-runner.js';
import { BENCH_CLUSTER, closeAllBenchClusters } from './flotilla-cluster.js';
import { WORKLOAD_PARAMS } from './params.js';
import { buildFigures, compactForJson, renderTable, type BaselineSection, type BenchReport, type DaskSection } from './report.js';
import { combineRawPasses, runRawZmqRoundTripPass, runRawZmqThroughputPass, ROUND_TRIP_COMBINATION, THROUGHPUT_COMBINATION, type RawCombination, type RawPass } from './raw-baseline.js';
import { renderScaleReport, runScaleBench } from './scale/scale.js';
import { runFlotillaWorkload } from './run-workload.js';
import { TARGET_MACHINE_RAW_MEDIAN_MS, TARGET_MACHINE_RAW_PER_SECOND } from './targets.js';
import { killAllRawZmqEchoes } from './workloads/raw-zmq-echo.js';
import { runTeamBench, TEAM_BENCHES } from './workloads/team-benches.js';
import type { BaselineId, WorkloadId, WorkloadResult } from './workload-types.js';

// The throughput workloads run first and the latency ones last, each group next to each other, so the
// passes of their raw baseline bracket them closely.
const CLUSTER_WORKLOADS: readonly WorkloadId[] = ['noopMap', 'ladder', 'clusterStart', 'roundTrip', 'run'];

/** A raw zeromq.js baseline and the workloads whose targets it scales; selecting one of them runs it. */
interface RawBaselinePlan {
  id: BaselineId;
  title: string;
  scales: readonly WorkloadId[];
  runPass: () => Promise<WorkloadResult>;
  combination: RawCombination;
}

const RAW_BASELINES: readonly RawBaselinePlan[] = [
  { id: 'rawZmqThroughput', title: 'raw zeromq.js throughput', scales: ['noopMap', 'ladder'], runPass: runRawZmqThroughputPass, combination: THROUGHPUT_COMBINATION },
  { id: 'rawZmqRoundTrip', title: 'raw zeromq.js round trip', scales: ['roundTrip', 'run'], runPass: runRawZmqRoundTripPass, combination: ROUND_TRIP_COMBINATION },
];

function formatResult(result: WorkloadResult): string {
  if (result.status !== 'ok') return `${result.status.toUpperCase()}${result.error ? `: ${result.error.split('\n')[0]}` : result.note ? `: ${result.note}` : ''}`;
  const figures = Object.entries(result.metrics).map(([k, v]) => `${k}=${v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3)}`);
  return `${figures.join(' ')} (${result.elapsedSeconds.toFixed(1)} s)`;
}

async function bench(args: BenchArgs, log: (line: string) => void): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadAverageStart = loadavg();
  const dask: DaskSection = { requested: args.compareDask, available: false, workloads: {} };
  if (args.compareDask) {
    const probe = probeDask(args.python);
    dask.python = args.python;
    if (probe.available) {
      dask.available = true;
      dask.version = probe.version;
      log(`Dask distributed ${probe.version} found (${args.python}); each workload runs on flotilla, then on Dask.`);
    } else {
      dask.note = `comparison skipped: ${probe.reason}`;
      log(`Note: ${dask.note}`);
    }
  }
  const flotilla: BenchReport['flotilla'] = {};
  const selected = CLUSTER_WORKLOADS.filter((w) => args.only.includes(w));
  const rawPasses = new Map<BaselineId, RawPass[]>(RAW_BASELINES.map((plan) => [plan.id, []]));
  const measureRaw = async (plan: RawBaselinePlan, when: string): Promise<void> => {
    log(`${plan.title} (${when}) …`);
    const result = await plan.runPass();
    rawPasses.get(plan.id)!.push({ when, result });
    log(`${plan.title} (${when}): ${formatResult(result)}`);
  };
  const scaledBy = (plan: RawBaselinePlan): WorkloadId[] => selected.filter((w) => plan.scales.includes(w));
  for (const plan of RAW_BASELINES) {
    if (scaledBy(plan).length === 0 && args.only.includes(plan.id)) await measureRaw(plan, 'alone');
  }
  for (const id of selected) {
    const params = WORKLOAD_PARAMS[id];
    for (const plan of RAW_BASELINES) if (id === scaledBy(plan)[0]) await measureRaw(plan, `before ${id}`);
    log(`flotilla ${id} …`);
    flotilla[id] = await runFlotillaWorkload(id, params);
    log(`flotilla ${id}: ${formatResult(flotilla[id]!)}`);
    // Right after flotilla's last workload of the group, before its Dask twin, so both passes bracket flotilla.
    for (const plan of RAW_BASELINES) if (id === scaledBy(plan).at(-1)) await measureRaw(plan, `after ${id}`);
    if (!dask.available) continue;
    const daskIds: DaskWorkloadId[] = id === 'noopMap' ? ['noopMap', 'noopMapTuned'] : [id];
    for (const daskId of daskIds) {
      log(`Dask ${daskId} …`);
      dask.workloads[daskId] = await runDaskWorkload(daskId, {
        python: args.python, tasks: params.tasks, warmup: params.warmup, limits: params.daskLimits,
        onProgress: (line) => log(`  Dask: ${line}`),
      });
      log(`Dask ${daskId}: ${formatResult(dask.workloads[daskId]!)}`);
    }
  }
  const teamBenches: BenchReport['teamBenches'] = {};
  for (const team of TEAM_BENCHES.filter((t) => args.only.includes(t.id))) {
    log(`team bench ${team.id} (${team.modulePath} ${team.exportName}) …`);
    teamBenches[team.id] = await runTeamBench(team);
    log(`team bench ${team.id}: ${formatResult(teamBenches[team.id]!)}`);
  }
  const combined = (id: BaselineId): WorkloadResult | undefined => {
    const plan = RAW_BASELINES.find((p) => p.id === id)!;
    const passes = rawPasses.get(id)!;
    return passes.length > 0 ? combineRawPasses(passes, plan.combination) : undefined;
  };
  const rawZmqRoundTrip = combined('rawZmqRoundTrip');
  const rawZmqThroughput = combined('rawZmqThroughput');
  const baseline: BaselineSection = {
    ...(rawZmqRoundTrip ? { rawZmqRoundTrip } : {}),
    targetMachineRawMedianMs: TARGET_MACHINE_RAW_MEDIAN_MS,
    ...(rawZmqThroughput ? { rawZmqThroughput } : {}),
    targetMachineRawPerSecond: TARGET_MACHINE_RAW_PER_SECOND,
  };
  return {
    bench: 'flotilla',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { node: process.versions.node, platform: `${process.platform}-${process.arch}`, cpus: availableParallelism(), loadAverageStart, loadAverageEnd: loadavg() },
    cluster: { ...BENCH_CLUSTER },
    flotilla,
    dask,
    teamBenches,
    baseline,
    figures: buildFigures(flotilla, dask, baseline),
  };
}

/** On Ctrl-C or SIGTERM: stop Dask's processes and close our clusters, then exit. */
function closeEverythingOnSignal(): void {
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: closing clusters …\n`);
    stopAllDask();
    killAllRawZmqEchoes();
    const forceExit = setTimeout(() => process.exit(130), 20_000);
    forceExit.unref();
    void closeAllBenchClusters().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.scale !== undefined) {
    const report = await runScaleBench(args.scale, (line) => void process.stderr.write(`${line}\n`));
    process.stderr.write(`\n${renderScaleReport(report)}\n\n--- JSON (stdout) ---\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  closeEverythingOnSignal();
  const log = args.json ? (): void => {} : (line: string): void => void process.stderr.write(`${line}\n`);
  const report = await bench(args, log);
  if (!args.json) process.stderr.write(`\n${renderTable(report)}\n\n--- JSON (stdout) ---\n`);
  process.stdout.write(`${JSON.stringify(compactForJson(report), null, 2)}\n`);
  return 0;
}

const exitCode = await main();
process.exitCode = exitCode;
// Everything was closed; should a stray handle still keep the loop alive, do not hang the shell.
setTimeout(() => process.exit(exitCode), 3_000).unref();
