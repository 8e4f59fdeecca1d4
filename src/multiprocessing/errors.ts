import { errorClass } from '../errors/base.js';
import type { MultiprocessingEntry } from './types.js';
import type { RecombineSummary } from './recombiner.js';
import type { ResumeInfo } from './run-folder.js';

/** What a whole functionMultiprocessing call produced; carried by {@link MultiprocessingError}. */
export interface MultiprocessingResult {
  /** One success flag per keyword set, in `kwargsList` order. */
  successes: boolean[];
  /** One entry per keyword set, in `kwargsList` order. */
  entries: MultiprocessingEntry[];
  /** What the recombiner reported. */
  recombined: RecombineSummary;
  /** The absolute path of the call's temporary folder. */
  tmpFolder: string;
  /** Whether the temporary folder was removed (`cleanUp` and recombination did not fail). */
  tmpFolderRemoved: boolean;
  /** Wall time of the whole call, in seconds. */
  seconds: number;
  /** What was taken over from an interrupted run (with `resume`), or undefined for a fresh run. */
  resumed?: ResumeInfo | undefined;
}

/**
 * functionMultiprocessing could not deliver what was asked: some entries failed under
 * `requireSuccess`, or the recombination as a whole failed. `failedIndices` lists the failed keyword
 * sets; `result` holds everything known (absent when recombination itself failed before a summary).
 */
export class MultiprocessingError extends errorClass('MULTIPROCESSING', 'MultiprocessingError') {
  /** The indices (in `kwargsList`) of the entries that failed, ascending. */
  readonly failedIndices: number[];
  /** Every entry, in `kwargsList` order. */
  readonly entries: MultiprocessingEntry[];
  /** The full result, when the call got as far as a recombination summary. */
  readonly result: MultiprocessingResult | undefined;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(
    message: string,
    fields: { failedIndices: number[]; entries: MultiprocessingEntry[]; result?: MultiprocessingResult },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.failedIndices = fields.failedIndices;
    this.entries = fields.entries;
    this.result = fields.result;
  }
}

/** A wrapper returned something that is not `{ index, success, file, uuids }` or `[index, success, file, uuids]`, or the wrong index. */
export class WrapperResultError extends errorClass('WRAPPER_RESULT', 'WrapperResultError') {
  /** The index of the keyword set whose wrapper returned it. */
  readonly index: number;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, fields: { index: number }, options?: ErrorOptions) {
    super(message, options);
    this.index = fields.index;
  }
}

/** A wrapper's output file did not appear within the bounded wait (`fileWait`). */
export class OutputFileMissingError extends errorClass('OUTPUT_FILE_MISSING', 'OutputFileMissingError') {
  /** The absolute path waited for. */
  readonly file: string;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, fields: { file: string }, options?: ErrorOptions) {
    super(message, options);
    this.file = fields.file;
  }
}

/** A part store file has a line that is not a valid part or equivalence record. */
export class PartStoreFormatError extends errorClass('PART_STORE_FORMAT', 'PartStoreFormatError') {
  /** The file, when the problem is in a file. */
  readonly file: string | undefined;
  /** The 1-based line number, when the problem is on a line. */
  readonly line: number | undefined;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, fields: { file?: string; line?: number } = {}, options?: ErrorOptions) {
    super(message, options);
    this.file = fields.file;
    this.line = fields.line;
  }
}

/** One input could not be recombined (a listed uuid or a reference is missing, or references form a cycle). */
export class RecombinationError extends errorClass('RECOMBINATION', 'RecombinationError') {
  /** The input file concerned, when one is. */
  readonly file: string | undefined;
  /** Made by flotilla with a message saying what happened and how to fix it; `options.cause` keeps the underlying error. */
  constructor(message: string, fields: { file?: string } = {}, options?: ErrorOptions) {
    super(message, options);
    this.file = fields.file;
  }
}
