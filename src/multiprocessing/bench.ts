/**
 * Benchmark of functionMultiprocessing's recombination: many wrapper calls, each writing a small
 * part store file of ~1 KB parts (some shared, so consolidation works), recombined into one file.
 * The team's bench runner calls {@link benchRecombination}.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionMultiprocessingDetailed } from './function-multiprocessing.js';
import { partStoreRecombiner } from './part-store-recombiner.js';
import type { TaskClient, WrapperKwargs, WrapperResultObject } from './types.js';

/** Options of {@link benchRecombination}. */
export interface RecombinationBenchOptions {
  /** Wrapper calls to make. @defaultValue 10_000 */
  tasks?: number;
  /** Folder for the temporary files (a fresh subfolder is made and removed). @defaultValue the OS temporary folder */
  tmpDir?: string;
  /** Also run the same work on this client and report its wall time as `clientSeconds`. */
  client?: TaskClient;
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
  /** Wall time of the whole run on `options.client`, in seconds, when one was given. */
  clientSeconds?: number;
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
 * one file, and reports the recombination speed and the total wall time.
 *
 * @throws MultiprocessingError if any task fails (it should not).
 */
export async function benchRecombination(options: RecombinationBenchOptions = {}): Promise<RecombinationBenchResult> {
  const { tasks = 10_000 } = options;
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
    if (options.client !== undefined) {
      const onClient = await functionMultiprocessingDetailed(benchWrapper, kwargsList, join(folder, 'client.parts.jsonl'), {
        tmpDir: folder,
        requireSuccess: true,
        client: options.client,
      });
      result.clientSeconds = onClient.seconds;
    }
    return result;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
