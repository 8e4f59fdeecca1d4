/**
 * functionMultiprocessing: 300 tasks each build a small reservoir "grid" (a grid part and a porosity
 * property) that references a coordinate reference system and a units part. Every task writes its
 * own copy of those two shared parts, with uuids of its own; recombination keeps one of each and
 * records the others as equivalences, so the combined file holds 2 + 2 × 300 parts, not 4 × 300.
 *
 * Run:  npm run build && node dist/examples/function-multiprocessing.js [tasks] [combined file]
 *       FLOTILLA_MODE=threads node dist/examples/function-multiprocessing.js   (workers inside this process)
 *       FLOTILLA_MODE=sync node dist/examples/function-multiprocessing.js      (each task in the caller, for debugging)
 *
 * The default mode is `processes`: a LocalCluster of two worker processes on this machine.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { Client, PartStore, functionMultiprocessingDetailed, type WrapperKwargs, type WrapperResult } from 'flotilla';

interface GridKwargs {
  /** Cells along each axis. */
  ni: number;
  nj: number;
  nk: number;
  /** Position of the grid's corner, in metres. */
  origin: [number, number, number];
}

/**
 * One task. It uses only its argument, globals and `await import(...)`: on a cluster it travels to
 * the workers as source text, so it cannot read variables of this module.
 */
async function buildGrid(kwargs: WrapperKwargs<GridKwargs>): Promise<WrapperResult> {
  const { PartStore } = await import('flotilla');
  const { join } = await import('node:path');
  const { index, ni, nj, nk } = kwargs;
  const store = await PartStore.create(join(kwargs.parentTmpDir, `grid_${index}.parts.jsonl`));
  // The same data in every task: consolidated into one part each when recombined.
  const crs = store.add({ type: 'crs', title: 'ED50 / UTM zone 31N', data: { epsg: 23031, xyUnits: 'm', zUnits: 'm', zIncreasingDownward: true } });
  const units = store.add({ type: 'units', title: 'SI', data: { length: 'm', porosity: 'v/v', permeability: 'mD' } });
  const grid = store.add({
    type: 'grid',
    title: `grid ${index}`,
    refs: [crs, units],
    data: { ni, nj, nk, origin: kwargs.origin, cellSize: [50, 50, 4] },
  });
  // A deterministic porosity field, so that a rerun writes the same values.
  const values = Array.from({ length: ni * nj * nk }, (_, cell) => Math.round(100 * (0.12 + 0.1 * Math.abs(Math.sin(index * 0.37 + cell * 0.11)))) / 100);
  const porosity = store.add({ type: 'property', title: 'porosity', refs: [grid, units], data: { kind: 'porosity', values } });
  await store.close();
  // The property brings the grid, crs and units along as references.
  return { index, success: true, file: store.path, uuids: [porosity] };
}

const tasks = Number(process.argv[2] ?? 300);
if (!Number.isInteger(tasks) || tasks < 1) {
  throw new Error(`the number of tasks (first argument) must be a positive integer, received ${JSON.stringify(process.argv[2])}`);
}
const workFolder = mkdtempSync(join(tmpdir(), 'flotilla-function-multiprocessing-'));
const combinedFile = resolve(process.argv[3] ?? join(workFolder, 'grids.parts.jsonl'));
const kwargsList: GridKwargs[] = Array.from({ length: tasks }, (_, i) => ({
  ni: 4 + (i % 5),
  nj: 3 + (i % 4),
  nk: 2,
  origin: [(i % 20) * 500, Math.floor(i / 20) * 500, 1800],
}));

const started = performance.now();
// Mode from FLOTILLA_MODE (processes, threads or sync); processes when unset.
const client = await Client.connect({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false });
try {
  console.log(`connected to ${client.schedulerAddress} with ${client.workerCount} worker(s)`);
  const result = await functionMultiprocessingDetailed(buildGrid, kwargsList, combinedFile, {
    client,
    tmpDir: workFolder, // on a cluster: a folder every worker can see
    requireSuccess: true,
  });
  const { recombined } = result;

  // Every uuid a task returned is in the combined file (`get` follows equivalences, had one been consolidated).
  const combined = await PartStore.read(combinedFile);
  const missing = result.entries.filter((entry) => !entry.uuids.every((uuid) => combined.get(uuid) !== undefined));
  if (missing.length > 0) throw new Error(`${missing.length} returned uuids are not in ${combinedFile}`);
  const byType = new Map<string, number>();
  for (const part of combined.parts.values()) byType.set(part.type, (byType.get(part.type) ?? 0) + 1);

  console.log(`${result.successes.filter(Boolean).length} of ${tasks} tasks succeeded`);
  console.log(
    `recombined ${recombined.partsRead} parts from ${recombined.inputsRecombined} files in ${recombined.seconds.toFixed(2)} s: ` +
      `${recombined.partsWritten} written, ${recombined.partsConsolidated} consolidated (${recombined.equivalencesWritten} equivalences recorded)`,
  );
  console.log(`combined file: ${combinedFile} (${(statSync(combinedFile).size / 1024).toFixed(0)} KiB; ${[...byType].map(([type, n]) => `${n} ${type}`).join(', ')})`);
  console.log(`total ${((performance.now() - started) / 1000).toFixed(2)} s (functionMultiprocessing ${result.seconds.toFixed(2)} s)`);
} finally {
  await client.close();
  // The work folder holds the combined file unless one was named; otherwise it is empty by now.
  if (!combinedFile.startsWith(workFolder + sep)) rmSync(workFolder, { recursive: true, force: true });
}
