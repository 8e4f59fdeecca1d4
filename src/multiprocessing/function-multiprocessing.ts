/**
 * functionMultiprocessing: run a wrapper over many keyword sets (on a cluster or in this process),
 * then recombine the output files the wrappers wrote into one combined file.
 */
import { rm, stat } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { CancelledError, ConfigurationError } from '../errors/index.js';
import { Logger } from '../util/logger.js';
import { MultiprocessingError, type MultiprocessingResult } from './errors.js';
import { checkKwargsList } from './kwargs.js';
import { kwargsDigest } from './kwargs-digest.js';
import { resolveOptions, type MultiprocessingOptions, type ResolvedOptions } from './options.js';
import type { RecombineSummary } from './recombiner.js';
import { openRunFolder } from './run-folder.js';
import type { RunJournal } from './run-journal.js';
import { runTasks } from './task-runner.js';
import type { MultiprocessingEntry, Wrapper } from './types.js';

/** How many failed entries a `requireSuccess` message spells out, and how many indices it lists (all are in `failedIndices`). */
const MAX_LISTED_FAILURES = 10;
const MAX_LISTED_INDICES = 100;
const log = new Logger('functionMultiprocessing');

/**
 * Runs `wrapper` once per keyword set and recombines the files they wrote into `recombinedFile`;
 * resolves to one success flag per keyword set, in `kwargsList` order. See
 * {@link functionMultiprocessingDetailed} for the full behaviour and a result with every entry's
 * file, uuids and error.
 *
 * @example
 * ```ts
 * const successes = await functionMultiprocessing(buildGrid, [{ ni: 10 }, { ni: 20 }], '/data/grids.parts.jsonl', { client });
 * ```
 * @throws see {@link functionMultiprocessingDetailed}.
 */
export async function functionMultiprocessing<K extends object>(
  wrapper: Wrapper<K>,
  kwargsList: readonly K[],
  recombinedFile: string,
  options?: MultiprocessingOptions,
): Promise<boolean[]> {
  return (await functionMultiprocessingDetailed(wrapper, kwargsList, recombinedFile, options)).successes;
}

/**
 * Runs `wrapper` once per keyword set and recombines the files they wrote into `recombinedFile`,
 * resolving to every entry's outcome and the recombination summary.
 *
 * @remarks
 * 1. Makes a fresh temporary folder `<tmpDir>/tmp_<uuid>` (absolute), with a journal in which
 *    every success is recorded as it happens. With `resume`, takes over instead the folder of an
 *    interrupted run into the same `recombinedFile` and reuses its recorded successes (see
 *    {@link MultiprocessingOptions.resume}).
 * 2. Calls `wrapper({ ...kwargs, index, parentTmpDir })` for each keyword set: submitted to
 *    `options.client` as it is (it travels with what it reads, as any task function does), or,
 *    without a client, called in this process one after another.
 * 3. Checks each result (`{ index, success, file, uuids }` or `[index, success, file, uuids]`).
 *    A wrapper that throws or returns a malformed result fails its own entry only.
 * 4. Waits (bounded by `fileWait`) for each successful entry's file to be visible.
 * 5. Recombines the successful entries, in index order, into `recombinedFile` (created, or added to
 *    when it exists) with `options.recombiner`; an entry whose file cannot be recombined fails.
 * 6. Removes the temporary folder when `cleanUp` (it is kept when recombination fails as a whole).
 *
 * A call killed part-way (kill -9, a walltime limit) leaves its folder and journal; the next call
 * into the same file warns about it, and a call with `resume: true` finishes it.
 *
 * Relative `file` paths returned by wrappers are resolved against this process's working directory.
 *
 * @param wrapper - Called with each keyword set plus `index` and `parentTmpDir`.
 * @param kwargsList - Plain objects without `index` or `parentTmpDir` keys.
 * @param recombinedFile - The combined file; its folder must exist.
 * @throws ConfigurationError for a bad option, a wrapper that is not a function, a bad keyword set,
 * a combined file whose folder is missing, or a `resume` whose only run into the file is still
 * running (all before anything runs).
 * @throws MultiprocessingError when `requireSuccess` and any entry failed (after recombining the
 * others; `error.result` holds everything), or when recombination as a whole failed (the combined
 * file is then unchanged and the task outputs are kept in the temporary folder).
 * @throws CancelledError when `options.signal` aborts (cause: the signal's reason); nothing is
 * recombined and the combined file is unchanged.
 * @example
 * const { entries, recombined } = await functionMultiprocessingDetailed(buildGrid, kwargsList, 'grids.jsonl', { client });
 * for (const entry of entries.filter((e) => !e.success)) console.log(entry.index, entry.error?.message);
 * console.log(`${recombined.partsWritten} parts written`);
 */
export async function functionMultiprocessingDetailed<K extends object>(
  wrapper: Wrapper<K>,
  kwargsList: readonly K[],
  recombinedFile: string,
  options?: MultiprocessingOptions,
): Promise<MultiprocessingResult> {
  const started = performance.now();
  const settings = resolveOptions(options);
  if (typeof wrapper !== 'function') {
    throw new ConfigurationError(`functionMultiprocessing: wrapper must be a function, received ${typeof wrapper}.`);
  }
  checkKwargsList(kwargsList);
  const target = await checkRecombinedFile(recombinedFile);
  throwIfCancelled(settings.signal, 'before any task ran');

  const digests = kwargsList.map((kwargs) => kwargsDigest(kwargs));
  const run = await openRunFolder(settings.tmpDir, target, digests, settings.resume);
  const { folder: tmpFolder, journal } = run;
  let result: MultiprocessingResult;
  try {
    const onSuccess = journalWriter(journal, digests);
    const entries = await runTasks(wrapper, kwargsList, tmpFolder, { ...settings, carried: run.carried, onSuccess });
    if (settings.signal?.aborted === true) {
      const succeeded = entries.filter((entry) => entry.success).length;
      throwIfCancelled(settings.signal, `after ${succeeded} of ${entries.length} keyword sets succeeded`);
    }
    const recombined = await recombine(entries, target, settings, tmpFolder);
    journal.recordRecombined(settings.cleanUp);
    journal.close();
    await removeFolder(tmpFolder, settings.cleanUp);
    result = {
      successes: entries.map((entry) => entry.success),
      entries,
      recombined,
      tmpFolder,
      tmpFolderRemoved: settings.cleanUp,
      seconds: (performance.now() - started) / 1000,
      resumed: run.resumed,
    };
  } catch (error) {
    journal.close();
    // A cancelled call honours cleanUp; after any other failure the outputs are kept, so no work is lost.
    const cancelled = error instanceof CancelledError && settings.signal?.aborted === true;
    await removeFolder(tmpFolder, cancelled && settings.cleanUp);
    throw error;
  }
  if (settings.requireSuccess) throwUnlessAllSucceeded(result);
  return result;
}

/** Records each success in the journal; a journal that cannot be written is warned about once and costs only resumability. */
function journalWriter(journal: RunJournal, digests: readonly string[]): (entry: MultiprocessingEntry & { file: string }) => void {
  let warned = false;
  return (entry) => {
    try {
      journal.recordSuccess({ index: entry.index, digest: digests[entry.index] as string, file: entry.file, uuids: entry.uuids });
    } catch (error) {
      if (warned) return;
      warned = true;
      log.warn(
        `could not record a success in ${journal.path} (${(error as Error).message}); this call goes on, ` +
          'but if it is interrupted, resume will run the unrecorded entries again.',
      );
    }
  };
}

/** Recombines the successful entries and marks failed the ones the recombiner could not take. */
async function recombine(
  entries: MultiprocessingEntry[],
  target: string,
  settings: ResolvedOptions,
  tmpFolder: string,
): Promise<RecombineSummary> {
  const recombined = entries.filter((entry) => entry.success && entry.file !== null);
  const inputs = recombined.map((entry) => ({ file: entry.file as string, uuids: entry.uuids }));
  let summary: RecombineSummary;
  try {
    summary = await settings.recombiner.recombine(inputs, target, { consolidate: settings.consolidate, signal: settings.signal });
  } catch (error) {
    if (error instanceof CancelledError && settings.signal?.aborted === true) throw error;
    const cause = error instanceof Error ? error : new Error(String(error));
    throw new MultiprocessingError(
      `recombination into ${target} failed, so it is unchanged: ${cause.message}. ` +
        `The task outputs are kept in ${tmpFolder}; fix the cause and call again with { resume: true } to recombine them without running the tasks again.`,
      { failedIndices: recombined.map((entry) => entry.index), entries },
      { cause },
    );
  }
  if (!Array.isArray(summary?.failures)) {
    throw new MultiprocessingError(
      `the recombiner returned no \`failures\` array, so which entries were recombined is unknown; the task outputs are kept in ${tmpFolder}. ` +
        'A Recombiner must resolve to a RecombineSummary.',
      { failedIndices: [], entries },
    );
  }
  for (const failure of summary.failures) {
    const entry = recombined[failure.input];
    if (entry === undefined) continue;
    entries[entry.index] = { ...entry, success: false, error: failure.error };
  }
  return summary;
}

async function checkRecombinedFile(recombinedFile: string): Promise<string> {
  if (typeof recombinedFile !== 'string' || recombinedFile === '') {
    throw new ConfigurationError(
      `functionMultiprocessing: recombinedFile must be a non-empty file path, received ${JSON.stringify(recombinedFile) ?? typeof recombinedFile}.`,
    );
  }
  const target = resolvePath(recombinedFile);
  const folder = dirname(target);
  const folderInfo = await stat(folder).catch(() => undefined);
  if (folderInfo?.isDirectory() !== true) {
    throw new ConfigurationError(
      `functionMultiprocessing: the folder of recombinedFile, ${folder}, ${folderInfo === undefined ? 'does not exist' : 'is not a folder'}; create it first.`,
    );
  }
  const targetInfo = await stat(target).catch(() => undefined);
  if (targetInfo !== undefined && !targetInfo.isFile()) {
    throw new ConfigurationError(`functionMultiprocessing: recombinedFile ${target} exists but is not a regular file; choose a file path.`);
  }
  return target;
}

function throwIfCancelled(signal: AbortSignal | undefined, when: string): void {
  if (signal?.aborted === true) {
    throw new CancelledError(`functionMultiprocessing was cancelled ${when}; nothing was recombined.`, { cause: signal.reason });
  }
}

async function removeFolder(folder: string, remove: boolean): Promise<void> {
  if (remove) await rm(folder, { recursive: true, force: true });
}

function throwUnlessAllSucceeded(result: MultiprocessingResult): void {
  const failed = result.entries.filter((entry) => !entry.success);
  if (failed.length === 0) return;
  const listed = failed.slice(0, MAX_LISTED_FAILURES).map((entry) => {
    const why = entry.error === undefined ? 'the wrapper returned success: false' : `${entry.error.name}: ${entry.error.message}`;
    return `index ${entry.index}: ${why}`;
  });
  const more = failed.length > listed.length ? `; and ${failed.length - listed.length} more` : '';
  const indices = failed.slice(0, MAX_LISTED_INDICES).map((entry) => entry.index).join(', ');
  const moreIndices = failed.length > MAX_LISTED_INDICES ? ', ...' : '';
  throw new MultiprocessingError(
    `${failed.length} of ${result.entries.length} keyword sets failed (indices ${indices}${moreIndices}). ` +
      `${listed.join('; ')}${more}. The ${result.entries.length - failed.length} successful ones were recombined into ${result.recombined.target}.`,
    { failedIndices: failed.map((entry) => entry.index), entries: result.entries, result },
  );
}
