/**
 * Choosing a call's temporary folder: a fresh `tmp_<uuid>` with a new run journal, or, with
 * `resume`, the folder of an interrupted run into the same combined file, whose recorded successes
 * are carried over. Also where a fresh call tells the user about an interrupted run it could have
 * finished, and where folders of finished runs that a kill left half-removed are deleted.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '../errors/index.js';
import { Logger } from '../util/logger.js';
import { ownerGone, ownerTag, parseOwnerTag, STALE_MS } from './owner.js';
import { isOpenHere, JOURNAL_NAME, readJournal, RunJournal, type JournalState } from './run-journal.js';
import type { MultiprocessingEntry } from './types.js';

const log = new Logger('functionMultiprocessing');
const RUN_FOLDER = /^tmp_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** At most this many interrupted runs are named in a warning. */
const MAX_NAMED_RUNS = 3;

/** What a resumed call took over. */
export interface ResumeInfo {
  /** The interrupted run's temporary folder, which this call used as its own. */
  folder: string;
  /** When the interrupted run started (ISO 8601). */
  started: string;
  /** The owner (`<host>-<pid>`) of the call that was interrupted. */
  previousOwner: string;
  /** How many entries it had recorded as successful. */
  recordedSuccesses: number;
  /** How many of those were reused (same keyword set, file still there); the rest ran again. */
  reused: number;
  /** How many entries this call ran. */
  ran: number;
}

/** The folder a call works in. */
export interface RunFolder {
  folder: string;
  journal: RunJournal;
  /** Entries carried over from the interrupted run, by index. */
  carried: Map<number, MultiprocessingEntry>;
  resumed: ResumeInfo | undefined;
}

interface FoundRun {
  state: JournalState;
  /** Why its owner counts as gone, or undefined when it may still be running. */
  gone: string | undefined;
}

/**
 * Makes (or, with `resume`, takes over) the temporary folder of a call into `target`.
 *
 * @param digests - The digest of each keyword set (kwargs-digest.ts).
 * @throws ConfigurationError when `resume` finds only runs into `target` that are still running.
 */
export async function openRunFolder(tmpDir: string, target: string, digests: readonly string[], resume: boolean): Promise<RunFolder> {
  await mkdir(tmpDir, { recursive: true });
  const runs = await findRuns(tmpDir, target);
  const interrupted = runs.filter((run) => run.gone !== undefined).sort((a, b) => b.state.started.localeCompare(a.state.started));
  if (resume) {
    for (const run of interrupted) {
      const taken = await takeOver(run, digests);
      if (taken !== undefined) return taken;
    }
    const live = runs.filter((run) => run.gone === undefined);
    if (live.length > 0) throw stillRunning(target, live[0] as FoundRun);
  } else if (interrupted.length > 0) {
    warnInterrupted(target, interrupted);
  }
  const folder = join(tmpDir, `tmp_${randomUUID()}`);
  await mkdir(folder);
  return { folder, journal: RunJournal.create(folder, target, digests.length), carried: new Map(), resumed: undefined };
}

/**
 * The unfinished runs into `target` in `tmpDir`. Folders of finished runs that were being removed
 * when their process died are removed on the way.
 */
async function findRuns(tmpDir: string, target: string): Promise<FoundRun[]> {
  const found: FoundRun[] = [];
  for (const name of await readdir(tmpDir)) {
    if (!RUN_FOLDER.test(name)) continue;
    const folder = join(tmpDir, name);
    const state = await readJournal(folder);
    if (state === undefined || state.target !== target) continue;
    const journalPath = join(folder, JOURNAL_NAME);
    const touched = await stat(journalPath).then((info) => info.mtimeMs, () => 0);
    const gone = state.owner === ownerTag() ? (isOpenHere(journalPath) ? undefined : 'its call in this process has ended') : ownerGone(state.owner, touched);
    if (state.recombined) {
      if (state.cleanUp && gone !== undefined) await rm(folder, { recursive: true, force: true });
      continue;
    }
    found.push({ state, gone });
  }
  return found;
}

/** Claims `run` for this call and carries over its successes; undefined when another call claimed it first. */
async function takeOver(run: FoundRun, digests: readonly string[]): Promise<RunFolder | undefined> {
  const { state } = run;
  // One claim file per generation, created exclusively: of two calls resuming the same run at once, one wins.
  try {
    closeSync(openSync(join(state.folder, `.flotilla-claim-${state.generation + 1}`), 'wx'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  const carried = new Map<number, MultiprocessingEntry>();
  for (const success of state.successes.values()) {
    if (digests[success.index] !== success.digest) continue; // a different keyword set now: run it again
    const file = await stat(success.file).catch(() => undefined);
    if (file?.isFile() !== true) continue; // its output is gone: run it again
    carried.set(success.index, { index: success.index, success: true, file: success.file, uuids: success.uuids });
  }
  const resumed: ResumeInfo = {
    folder: state.folder,
    started: state.started,
    previousOwner: state.owner,
    recordedSuccesses: state.successes.size,
    reused: carried.size,
    ran: digests.length - carried.size,
  };
  log.info(
    `resuming the run into ${state.target} started ${state.started} (${run.gone}): ${carried.size} of ${digests.length} ` +
      `keyword sets are done, running the other ${resumed.ran} in ${state.folder}.`,
  );
  return { folder: state.folder, journal: RunJournal.takeOver(state.folder), carried, resumed };
}

function describeRun(state: JournalState): string {
  return `${state.folder} (started ${state.started}, ${state.successes.size} of ${state.entries} keyword sets done)`;
}

function warnInterrupted(target: string, runs: FoundRun[]): void {
  const named = runs.slice(0, MAX_NAMED_RUNS).map((run) => describeRun(run.state));
  const more = runs.length > named.length ? ` and ${runs.length - named.length} more` : '';
  log.warn(
    `${runs.length === 1 ? 'an interrupted run' : `${runs.length} interrupted runs`} into ${target} left ${named.join('; ')}${more}. ` +
      'This call starts afresh; to finish the interrupted run instead, running only what it had not done, call again with ' +
      '{ resume: true } (same tmpDir). Delete those folders if you do not need them.',
  );
}

function stillRunning(target: string, run: FoundRun): ConfigurationError {
  const owner = parseOwnerTag(run.state.owner);
  const who = owner === undefined ? run.state.owner : `process ${owner.pid} on host ${decodeURIComponent(owner.host)}`;
  return new ConfigurationError(
    `functionMultiprocessing: resume: the only run into ${target} in its tmpDir, ${describeRun(run.state)}, is still running (${who}); ` +
      'two runs into one combined file would lose each other’s parts. Wait for it to finish. If that process is gone, ' +
      `call again: on this host a run whose process ended is resumable at once, from another host once it has been silent for ${STALE_MS / 1000} s.`,
  );
}
