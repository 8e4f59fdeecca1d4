/**
 * `npm run bench`: flotilla's performance figures, each next to raw zeromq.js measured in the same run
 * (alternating rounds: raw, flotilla, raw, flotilla, …, best of each side), their ratio and the goal on
 * it (issue 18), and with `--compare-dask` the same workloads on Dask distributed, workload by workload,
 * with flotilla's speed-up.
 *
 * Every workload runs on its own cluster with its own time limit; one that errors or hangs is
 * reported and the bench goes on. Every cluster is closed, also on Ctrl-C.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseBenchArgs, USAGE, type BenchArgs } from './args.js';
import { probeDask, runDaskWorkload, stopAllDask, type DaskWorkloadId } from './dask-runner.js';
import { BENCH_CLUSTER, closeAllBenchClusters } from './flotilla-cluster.js';
import { WORKLOAD_PARAMS } from './params.js';
import { buildFigures, compactForJson, renderTable, type BenchReport, type DaskSection } from './report.js';
import { renderScaleReport, runScaleBench } from './scale/scale.js';
import { runFlotillaWorkload, summarize } from './run-workload.js';
import { HAS_DASK_TWIN } from './targets.js';
import { killAllRawZmqEchoes } from './workloads/raw-zmq-echo.js';
import { runTeamBench, TEAM_BENCHES } from './workloads/team-benches.js';
import type { WorkloadId } from './workload-types.js';

const CLUSTER_WORKLOADS: readonly WorkloadId[] = ['noopMap', 'ladder', 'roundTrip', 'run', 'scatterGather', 'actorRoundTrip', 'clusterStart'];

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
  const raw: BenchReport['raw'] = {};
  for (const id of CLUSTER_WORKLOADS.filter((w) => args.only.includes(w))) {
    const params = WORKLOAD_PARAMS[id];
    log(`flotilla ${id} …`);
    const outcome = await runFlotillaWorkload(id, params, { rounds: args.rounds, log });
    flotilla[id] = outcome.flotilla;
    if (outcome.raw) raw[id] = outcome.raw;
    log(`flotilla ${id}: ${summarize(outcome.flotilla)}${outcome.raw ? `; raw zeromq.js: ${summarize(outcome.raw)}` : ''}`);
    if (!dask.available || !HAS_DASK_TWIN[id]) continue;
    const daskIds: DaskWorkloadId[] = id === 'noopMap' ? ['noopMap', 'noopMapTuned'] : [id as DaskWorkloadId];
    for (const daskId of daskIds) {
      log(`Dask ${daskId} …`);
      dask.workloads[daskId] = await runDaskWorkload(daskId, {
        python: args.python, tasks: params.tasks, warmup: params.warmup, limits: params.daskLimits,
        onProgress: (line) => log(`  Dask: ${line}`),
      });
      log(`Dask ${daskId}: ${summarize(dask.workloads[daskId]!)}`);
    }
  }
  const teamBenches: BenchReport['teamBenches'] = {};
  for (const team of TEAM_BENCHES.filter((t) => args.only.includes(t.id))) {
    log(`team bench ${team.id} (${team.modulePath} ${team.exportName}) …`);
    teamBenches[team.id] = await runTeamBench(team);
    log(`team bench ${team.id}: ${summarize(teamBenches[team.id]!)}`);
  }
  return {
    bench: 'flotilla',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { node: process.versions.node, platform: `${process.platform}-${process.arch}`, cpus: availableParallelism(), loadAverageStart, loadAverageEnd: loadavg() },
    cluster: { ...BENCH_CLUSTER },
    rounds: args.rounds,
    flotilla,
    raw,
    dask,
    teamBenches,
    figures: buildFigures(flotilla, raw, dask),
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
