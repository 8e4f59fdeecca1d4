/**
 * Benchmark of functionMultiprocessing's recombination: many wrapper calls, each writing a small
 * part store file of ~1 KB parts (some shared, so consolidation works), recombined into one file;
 * then the same calls through a real LocalCluster (or a given client), against the in-process
 * sequential run. The team's bench runner calls {@link benchRecombination}.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalClusterOptions } from '../cluster/local-cluster-options.js';
import { CancelledError, ConfigurationError } from '../errors/index.js';
import { functionMultiprocessingDetailed } from './function-multiprocessing.js';
import type { MultiprocessingResult } from './errors.js';
import { partStoreRecombiner } from './part-store-recombiner.js';
import type { TaskClient, WrapperKwargs, WrapperResultObject } from './types.js';

/** The cluster the bench starts when given neither `client` nor `cluster: false`: the bench runner's shape. */
const DEFAULT_BENCH_CLUSTER: LocalClusterOptions = { nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false };

/** Options of {@link benchRecombination}. */
export interface RecombinationBenchOptions {
  /** Wrapper calls to make. @defaultValue 10_000 */
  tasks?: number;
  /** Folder for the temporary files (a fresh subfolder is made and removed). @defaultValue the OS temporary folder */
  tmpDir?: string;
  /**
   * Also run the same calls on this client and report its wall time. The wrappers import the part
   * store by file URL, so the client's workers must see this machine's files.
   */
  client?: TaskClient;
  /**
   * Without `client`: the LocalCluster to start (and close) for the client run, or `false` for the
   * in-process run only.
   * @defaultValue `{ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false }`
   */
  cluster?: LocalClusterOptions | false;
  /**
   * The client run is cancelled after this many seconds; the result then says so in `clientNote`
   * and has no client figures.
   * @defaultValue 150
   */
  clientTimeLimitSeconds?: number;
}

/** What {@link benchRecombination} measured. */
export interface RecombinationBenchResult {
  tasks: number;
  /** Parts read by the recombination (5 per task, ~1 KB each except the two small shared ones). */
  parts: number;
  partsWritten: number;
  partsConsolidated: number;
  /** Bytes of the combined file. */
  combinedBytes: number;
  /** Wall time of the recombination alone, in seconds. */
  seconds: number;
  /** Recombination speed: `parts / seconds`. */
  partsPerSecond: number;
  /**
   * CPU time (user + system) of a second recombination of the same files into a fresh file, in
   * seconds: on a shared machine, `parts / cpuSeconds` is closer to what an idle core does.
   */
  cpuSeconds: number;
  /** `parts / cpuSeconds`. */
  partsPerCpuSecond: number;
  /** Wall time of the whole in-process sequential run (tasks, file checks, recombination), in seconds. */
  sequentialSeconds: number;
  /** Wall time of the whole run on the client (tasks, file checks, recombination), in seconds, when one ran. */
  clientSeconds?: number;
  /** Of `clientSeconds`, the recombination, in seconds. */
  clientRecombineSeconds?: number;
  /** `tasks / clientSeconds`. */
  clientTasksPerSecond?: number;
  /** `sequentialSeconds / clientSeconds`: above 1, the client run was faster. */
  clientSpeedup?: number;
  /** Wall time to start the LocalCluster and connect to it, in seconds (not in `clientSeconds`), when the bench started one. */
  clusterStartSeconds?: number;
  /** Worker processes of the client run, when the bench started the cluster. */
  clientWorkers?: number;
  /** Why there are no client figures (`cluster: false`, or the time limit), when there are none. */
  clientNote?: string;
}

interface BenchKwargs {
  /** URL of the part store module, imported inside the wrapper so it can be shipped as source text. */
  partStoreModule: string;
}

/** One task: a shared crs and units, a ~1 KB grid, two ~1 KB properties. Uses nothing from outside its body. */
async function benchWrapper(kwargs: WrapperKwargs<BenchKwargs>): Promise<WrapperResultObject> {
  const { PartStore } = (await import(kwargs.partStoreModule)) as typeof import('./part-store.js');
  const { index } = kwargs;
  const file = `${kwargs.parentTmpDir}/task_${index}.parts.jsonl`;
  const series = (seed: number): number[] => Array.from({ length: 120 }, (_, i) => Math.round(Math.sin(seed * 131 + i) * 1e4) / 100);
  const store = await PartStore.create(file);
  const crs = store.add({ type: 'crs', title: 'ED50 / UTM 31N', data: { epsg: 23031, xyUnits: 'm', zUnits: 'm', zIncreasingDownward: true } });
  const units = store.add({ type: 'units', data: { porosity: 'v/v', permeability: 'mD' } });
  const grid = store.add({
    type: 'grid',
    title: `grid ${index}`,
    refs: [crs],
    data: { ni: 10 + (index % 7), nj: 12, nk: 3, origin: [index * 100, index * 50, 1500], depths: series(index) },
  });
  const porosity = store.add({ type: 'property', title: 'porosity', refs: [grid, units], data: { kind: 'porosity', values: series(index + 0.5) } });
  const permeability = store.add({ type: 'property', title: 'permeability', refs: [grid, units], data: { kind: 'permeability', values: series(index + 0.25) } });
  await store.close();
  return { index, success: true, file, uuids: [porosity, permeability] };
}

/**
 * Runs `tasks` wrapper calls in this process, one after another, recombining their ~1 KB parts into
 * one file, and reports the recombination speed and the total wall time; then runs the same calls
 * on a client (a LocalCluster of 2 workers × 1 thread it starts, unless told otherwise) and reports
 * that run's wall time against the sequential one.
 *
 * @throws ConfigurationError for a `tasks` that is not a positive integer or a bad time limit.
 * @throws MultiprocessingError if any task fails (it should not).
 * @throws Error when the client run's combined file does not hold the same parts as the sequential one.
 */
export async function benchRecombination(options: RecombinationBenchOptions = {}): Promise<RecombinationBenchResult> {
  const { tasks = 10_000, clientTimeLimitSeconds = 150 } = options;
  if (!Number.isInteger(tasks) || tasks < 1) {
    throw new ConfigurationError(`benchRecombination: tasks must be a positive integer, received ${String(tasks)}.`);
  }
  if (typeof clientTimeLimitSeconds !== 'number' || !(clientTimeLimitSeconds > 0)) {
    throw new ConfigurationError(`benchRecombination: clientTimeLimitSeconds must be a number of seconds > 0, received ${String(clientTimeLimitSeconds)}.`);
  }
  const folder = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'flotilla-bench-recombination-'));
  try {
    const kwargsList: BenchKwargs[] = Array.from({ length: tasks }, () => ({
      partStoreModule: new URL('./part-store.js', import.meta.url).href,
    }));
    const sequential = await functionMultiprocessingDetailed(benchWrapper, kwargsList, join(folder, 'sequential.parts.jsonl'), {
      tmpDir: folder,
      requireSuccess: true,
      cleanUp: false,
    });
    const { recombined } = sequential;
    const { size: combinedBytes } = await stat(recombined.target);
    const inputs = sequential.entries.map((entry) => ({ file: entry.file as string, uuids: entry.uuids }));
    const cpuBefore = process.cpuUsage();
    await partStoreRecombiner.recombine(inputs, join(folder, 'again.parts.jsonl'), { consolidate: true });
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    await rm(sequential.tmpFolder, { recursive: true, force: true });
    const result: RecombinationBenchResult = {
      tasks,
      parts: recombined.partsRead,
      partsWritten: recombined.partsWritten,
      partsConsolidated: recombined.partsConsolidated,
      combinedBytes,
      seconds: recombined.seconds,
      partsPerSecond: recombined.partsRead / recombined.seconds,
      cpuSeconds,
      partsPerCpuSecond: recombined.partsRead / cpuSeconds,
      sequentialSeconds: sequential.seconds,
    };
    const runOnClient = (client: TaskClient): Promise<MultiprocessingResult> =>
      functionMultiprocessingDetailed(benchWrapper, kwargsList, join(folder, 'client.parts.jsonl'), {
        tmpDir: folder,
        requireSuccess: true,
        client,
        signal: AbortSignal.timeout(clientTimeLimitSeconds * 1000),
      });
    let onClient: MultiprocessingResult | undefined;
    try {
      if (options.client !== undefined) {
        onClient = await runOnClient(options.client);
      } else if (options.cluster !== false) {
        onClient = await onLocalCluster(options.cluster ?? DEFAULT_BENCH_CLUSTER, result, runOnClient);
      } else {
        result.clientNote = 'no client run (cluster: false)';
      }
    } catch (error) {
      if (!(error instanceof CancelledError)) throw error;
      result.clientNote = `the client run was cancelled after the ${clientTimeLimitSeconds} s limit`;
    }
    if (onClient !== undefined) {
      const { partsWritten, partsConsolidated } = onClient.recombined;
      if (partsWritten !== result.partsWritten || partsConsolidated !== result.partsConsolidated) {
        throw new Error(
          `benchRecombination: the client run wrote ${partsWritten} parts and consolidated ${partsConsolidated}, ` +
            `the sequential run ${result.partsWritten} and ${result.partsConsolidated}; they ran the same calls, so this is a bug.`,
        );
      }
      result.clientSeconds = onClient.seconds;
      result.clientRecombineSeconds = onClient.recombined.seconds;
      result.clientTasksPerSecond = tasks / onClient.seconds;
      result.clientSpeedup = result.sequentialSeconds / onClient.seconds;
    }
    return result;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Starts a LocalCluster and a client, runs `body` on it, and closes both whatever happens. */
async function onLocalCluster(
  clusterOptions: LocalClusterOptions,
  result: RecombinationBenchResult,
  body: (client: TaskClient) => Promise<MultiprocessingResult>,
): Promise<MultiprocessingResult> {
  // Loaded here, so the in-process bench does not load the network stack.
  const [{ LocalCluster }, { Client }] = await Promise.all([import('../cluster/local-cluster.js'), import('../client/client.js')]);
  const started = performance.now();
  const cluster = new LocalCluster(clusterOptions);
  try {
    const client = await Client.connect(cluster);
    try {
      result.clusterStartSeconds = (performance.now() - started) / 1000;
      result.clientWorkers = client.workerCount;
      return await body(client);
    } finally {
      await client.close();
    }
  } finally {
    await cluster.close();
  }
}
