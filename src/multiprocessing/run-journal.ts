/**
 * The run journal: a JSON Lines file in a call's temporary folder that records, as they happen, the
 * entries that succeeded, so a run killed part-way (kill -9, a walltime limit) can be finished later
 * by `functionMultiprocessing(…, { resume: true })`.
 *
 * Lines, in order:
 * - `{"journal":"flotilla.functionMultiprocessing","version":1,"target":…,"entries":N,"owner":…,"started":…}`
 * - `{"owner":…,"at":…}` each time a later call takes the run over (resumes it)
 * - `{"index":i,"digest":…,"file":…,"uuids":[…]}` per entry that succeeded (wrapper done, file seen)
 * - `{"recombined":true,"cleanUp":…}` once the combined file is written
 *
 * Each line is written with one `write` call as soon as it is known, so a killed process loses at
 * most the line it was writing; a torn last line is ignored on reading. The file survives the death
 * of the process, not a crash of the machine (it is not fsynced).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { ownerTag, startHeartbeat } from './owner.js';

/** The journal's file name inside the call's temporary folder. */
export const JOURNAL_NAME = '.flotilla-run.jsonl';
const MAGIC = 'flotilla.functionMultiprocessing';
const VERSION = 1;

/** A success the journal recorded. */
export interface RecordedSuccess {
  index: number;
  /** The digest of the keyword set it ran with (see kwargs-digest.ts). */
  digest: string;
  file: string;
  uuids: string[];
}

/** What a journal says about its run. */
export interface JournalState {
  folder: string;
  target: string;
  entries: number;
  started: string;
  /** The owner tag of the last call that ran it. */
  owner: string;
  /** How many calls have run it (1 + the number of resumes). */
  generation: number;
  /** The latest recorded success of each index. */
  successes: Map<number, RecordedSuccess>;
  recombined: boolean;
  /** Whether the recombined run was going to remove its folder (so a leftover folder is garbage). */
  cleanUp: boolean;
}

/** The journals open in this process (a run of this process is live exactly while its journal is open). */
const openHere = new Set<string>();

/** Whether this process has the journal at `path` open, i.e. its run is going on here. */
export function isOpenHere(path: string): boolean {
  return openHere.has(path);
}

/** Writes a run's journal. */
export class RunJournal {
  readonly path: string;
  #fd: number | undefined;
  #stopHeartbeat: () => void;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
    openHere.add(path);
    // A live run's journal is touched regularly, so a call on another host can tell it from an abandoned one.
    this.#stopHeartbeat = startHeartbeat(() => {
      const now = new Date();
      return utimes(path, now, now);
    });
  }

  /** Starts the journal of a new run in `folder`. */
  static create(folder: string, target: string, entries: number): RunJournal {
    const path = join(folder, JOURNAL_NAME);
    const journal = new RunJournal(path, openSync(path, 'wx'));
    journal.#write({ journal: MAGIC, version: VERSION, target, entries, owner: ownerTag(), started: new Date().toISOString() });
    return journal;
  }

  /** Continues the journal of an interrupted run, recording this process as its owner. */
  static takeOver(folder: string): RunJournal {
    const path = join(folder, JOURNAL_NAME);
    const journal = new RunJournal(path, openSync(path, 'a'));
    journal.#write({ owner: ownerTag(), at: new Date().toISOString() });
    return journal;
  }

  /** Records that entry `index` succeeded. */
  recordSuccess(success: RecordedSuccess): void {
    this.#write({ index: success.index, digest: success.digest, file: success.file, uuids: success.uuids });
  }

  /** Records that the combined file is written. */
  recordRecombined(cleanUp: boolean): void {
    this.#write({ recombined: true, cleanUp });
  }

  /** Stops writing (the file stays until the folder is removed). */
  close(): void {
    this.#stopHeartbeat();
    openHere.delete(this.path);
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  #write(record: object): void {
    if (this.#fd === undefined) return;
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.#fd, bytes, written, bytes.length - written);
  }
}

/**
 * Reads the journal in `folder`; undefined when there is none or it is not a journal. Unreadable
 * lines are skipped (a torn last line is what a kill mid-write leaves).
 */
export async function readJournal(folder: string): Promise<JournalState | undefined> {
  let text: string;
  try {
    text = await readFile(join(folder, JOURNAL_NAME), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const header = parseLine(lines[0] ?? '');
  if (header?.journal !== MAGIC || header.version !== VERSION || typeof header.target !== 'string' || !isCount(header.entries)) {
    return undefined;
  }
  const state: JournalState = {
    folder,
    target: header.target,
    entries: header.entries,
    started: String(header.started),
    owner: String(header.owner),
    generation: 1,
    successes: new Map(),
    recombined: false,
    cleanUp: false,
  };
  for (const line of lines.slice(1)) {
    const record = parseLine(line);
    if (record === undefined) continue;
    if (typeof record.owner === 'string') {
      state.owner = record.owner;
      state.generation++;
    } else if (record.recombined === true) {
      state.recombined = true;
      state.cleanUp = record.cleanUp === true;
    } else if (isSuccess(record, state.entries)) {
      state.successes.set(record.index, { index: record.index, digest: record.digest, file: record.file, uuids: [...record.uuids] });
    }
  }
  return state;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (line === '') return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isSuccess(record: Record<string, unknown>, entries: number): record is Record<string, unknown> & RecordedSuccess {
  return (
    isCount(record.index) &&
    record.index < entries &&
    typeof record.digest === 'string' &&
    typeof record.file === 'string' &&
    Array.isArray(record.uuids) &&
    record.uuids.every((uuid) => typeof uuid === 'string')
  );
}
