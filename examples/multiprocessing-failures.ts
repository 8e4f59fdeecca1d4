/**
 * What functionMultiprocessing does with keyword sets that fail, on a LocalCluster of two workers: a
 * wrapper that throws, one that returns a malformed result, and one that names a file it never wrote.
 * Each fails its own entry only; the others are recombined. With `requireSuccess` the call then
 * rejects with a MultiprocessingError that lists the failed indices and keeps the whole result.
 *
 * Run:  npm run build && node dist/examples/multiprocessing-failures.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client, LocalCluster, MultiprocessingError, OutputFileMissingError, WrapperResultError, functionMultiprocessing, type WrapperKwargs, type WrapperResult,
} from 'flotilla';

/** One task: writes a part for keyword set `index`, or fails the way `fail` says. */
async function wrapper(kwargs: WrapperKwargs<{ fail: 'none' | 'throw' | 'malformed' | 'no file' }>): Promise<WrapperResult> {
  const { PartStore } = await import('flotilla');
  const { join } = await import('node:path');
  if (kwargs.fail === 'throw') throw new RangeError(`keyword set ${kwargs.index} is out of range`);
  if (kwargs.fail === 'malformed') return { index: kwargs.index, success: true, file: null } as unknown as WrapperResult;
  const file = join(kwargs.parentTmpDir, `part_${kwargs.index}.jsonl`);
  if (kwargs.fail === 'no file') return { index: kwargs.index, success: true, file, uuids: [] };
  const store = await PartStore.create(file);
  const uuid = store.add({ type: 'value', data: kwargs.index });
  await store.close();
  return { index: kwargs.index, success: true, file: store.path, uuids: [uuid] };
}

const folder = mkdtempSync(join(tmpdir(), 'flotilla-multiprocessing-'));
const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false });
const client = await Client.connect(cluster);
try {
  const kwargsList = [{ fail: 'none' }, { fail: 'throw' }, { fail: 'malformed' }, { fail: 'no file' }, { fail: 'none' }] as const;
  const options = { client, tmpDir: folder, fileWait: { attempts: 3, intervalMs: 20 } };

  // Without requireSuccess: one flag per keyword set, and the good ones are in the combined file.
  const successes = await functionMultiprocessing(wrapper, [...kwargsList], join(folder, 'all.jsonl'), options);
  console.log(`successes: ${successes.join(', ')}`);

  // With requireSuccess: the same run rejects, saying which failed and why.
  try {
    await functionMultiprocessing(wrapper, [...kwargsList], join(folder, 'strict.jsonl'), { ...options, requireSuccess: true });
  } catch (error) {
    if (!(error instanceof MultiprocessingError)) throw error;
    console.log(`${error.name}: failed indices ${error.failedIndices.join(', ')} of ${error.entries.length}; recombined anyway: ${error.result?.recombined.partsWritten} parts`);
    for (const entry of error.entries.filter((e) => !e.success)) {
      const why = entry.error;
      if (why instanceof WrapperResultError) console.log(`  ${entry.index}: ${why.name} for index ${why.index}`);
      else if (why instanceof OutputFileMissingError) console.log(`  ${entry.index}: ${why.name} (${why.file === entry.file ? 'the file it named' : why.file})`);
      else console.log(`  ${entry.index}: ${why?.name}: ${why?.message}`);
    }
  }
} finally {
  await client.close();
  await cluster.close();
  rmSync(folder, { recursive: true, force: true });
}
