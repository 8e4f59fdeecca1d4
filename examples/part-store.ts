/**
 * The part store by hand, without functionMultiprocessing: two task files that each hold their own
 * copy of a coordinate system, recombined into one file where the copies become one part and an
 * equivalence; reading, iterating and appending; and the errors of a bad line and of a missing part.
 * It writes files only (in a temporary folder it removes), so it runs anywhere, with no cluster.
 *
 * Run:  npm run build && node dist/examples/part-store.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, PartFile, PartStore, PartStoreFormatError, PartStoreRecombiner, RecombinationError } from 'flotilla';

const folder = mkdtempSync(join(tmpdir(), 'flotilla-part-store-'));
try {
  // Two task outputs: each writes the same coordinate system under a uuid of its own, and one grid.
  const outputs: { file: string; grid: string }[] = [];
  for (const index of [0, 1]) {
    const store = await PartStore.create(join(folder, `task_${index}.jsonl`));
    const crs = store.add({ type: 'crs', title: `crs of task ${index}`, data: { epsg: 23031, units: 'm' } });
    const grid = store.add({ type: 'grid', title: `grid ${index}`, refs: [crs], data: { ni: 10 * (index + 1), nj: 5 } });
    await store.flush();
    console.log(`task ${index}: ${store.size} parts (${store.has(grid) ? 'grid' : 'no grid'} refers to ${store.get(grid)?.refs.length} part)`);
    await store.close();
    outputs.push({ file: store.path, grid });
  }

  // Equivalence compares canonical JSON (sorted keys), so key order does not matter; the title does not count.
  console.log(`canonical JSON: ${canonicalJson({ units: 'm', epsg: 23031 })}`);

  // Recombine both grids (and what they reference) into one file, consolidating equal parts.
  const combined = join(folder, 'combined.jsonl');
  const recombiner = new PartStoreRecombiner();
  const summary = await recombiner.recombine(outputs.map(({ file, grid }) => ({ file, uuids: [grid] })), combined, { consolidate: true });
  console.log(`recombined: ${summary.partsWritten} parts written, ${summary.partsConsolidated} consolidated, ${summary.equivalencesWritten} equivalence`);

  // Read the combined file: the second task's crs uuid resolves to the first one's.
  const file: PartFile = await PartStore.read(combined);
  const [secondCrs] = (await PartStore.read(outputs[1]!.file)).get(outputs[1]!.grid)!.refs;
  const kept = file.resolve(secondCrs!);
  console.log(`combined: ${file.size} parts, ${file.equivalences.size} equivalence; task 1's crs is known: ${file.has(secondCrs!)}, stands for ${kept === secondCrs ? 'itself' : "task 0's crs"}`);
  console.log(`read back from ${file.path === combined ? 'the combined file' : file.path}`);

  // Iterate line by line (without loading the file), then append a part to it.
  const kinds: string[] = [];
  for await (const line of PartStore.iterate(combined)) kinds.push(line.kind === 'part' ? line.part.type : 'equivalence');
  console.log(`lines: ${kinds.join(', ')}`);
  const appended = await PartStore.append(combined);
  appended.add({ type: 'note', data: 'checked by hand' });
  console.log(`after append: ${appended.uuids.length} parts`);
  await appended.close();

  // A bad line names the file and the line.
  const broken = join(folder, 'broken.jsonl');
  writeFileSync(broken, '{"uuid":"a","type":"crs","refs":[],"data":1}\n{"uuid":"b","refs":[]}\n');
  try {
    await PartStore.read(broken);
  } catch (error) {
    if (error instanceof PartStoreFormatError) console.log(`${error.name}: line ${error.line} of ${error.file === broken ? 'broken.jsonl' : error.file}`);
  }

  // An input that lacks a uuid it was asked for fails alone: the recombination reports it and goes on.
  const partial = await recombiner.recombine([{ file: outputs[0]!.file, uuids: ['no-such-uuid'] }], combined, { consolidate: true });
  const failure = partial.failures[0]?.error;
  if (failure instanceof RecombinationError) console.log(`${failure.name} for ${failure.file === outputs[0]!.file ? 'task_0.jsonl' : failure.file}; ${partial.inputsRecombined} of ${partial.inputs} inputs recombined`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
