/**
 * The default recombiner: copies listed parts (and what they reference) from part store files into
 * one combined part store file, optionally consolidating equivalent parts, and replaces the
 * combined file atomically.
 */
import { resolve as resolvePath } from 'node:path';
import { CancelledError } from '../errors/index.js';
import { AtomicFileUpdate } from './atomic-update.js';
import { CombinedIndex, type InputPart, type ParsedInput } from './combined-index.js';
import { PartStoreFormatError, RecombinationError } from './errors.js';
import { forEachLineOfText, lineBatches, readSmallFileSync } from './line-reader.js';
import { parsePartStoreLine } from './part-format.js';
import { withPathLock } from './path-lock.js';
import type { RecombineFailure, RecombineInput, RecombineOptions, RecombineSummary, Recombiner } from './recombiner.js';

/** The longest stretch, in milliseconds, the recombination runs without letting the event loop turn. */
const YIELD_EVERY_MS = 20;

interface ReadInput extends ParsedInput {
  partsRead: number;
}

/**
 * Recombines part store files (see README.md in this folder for the format and the rules).
 *
 * @remarks
 * - Inputs are taken in order; for each, the listed uuids are copied with everything they
 *   reference, referenced parts first. A uuid already in the combined file is not copied again.
 * - With `consolidate`, a part equivalent to one already present (same type, same data, same refs
 *   once mapped) is not copied; a `{"equivalent": A, "to": B}` line records it and later references
 *   to A are written as B. The title does not count.
 * - An input with a missing uuid, a dangling reference, a reference cycle or a bad line is reported
 *   in `failures` and contributes nothing; the others go on.
 * - The combined file is replaced atomically (copy, append, fsync, rename); recombinations into the
 *   same file from this process run one after another.
 * @example
 * ```ts
 * const summary = await new PartStoreRecombiner().recombine([{ file: 'task_0.jsonl', uuids: [grid] }], 'combined.jsonl', { consolidate: true });
 * for (const { file, error } of summary.failures) console.log(`${file}: ${error.message}`);
 * ```
 */
export class PartStoreRecombiner implements Recombiner {
  /**
   * @throws CancelledError when `opts.signal` aborts (the combined file is then unchanged).
   * @throws PartStoreFormatError when the existing combined file has a bad line.
   * @throws Error from the file system when the combined file cannot be written.
   */
  recombine(inputs: readonly RecombineInput[], target: string, opts: RecombineOptions): Promise<RecombineSummary> {
    const absolute = resolvePath(target);
    return withPathLock(absolute, () => recombineLocked(inputs, absolute, opts));
  }
}

/** The default recombiner instance. */
export const partStoreRecombiner: Recombiner = new PartStoreRecombiner();

async function recombineLocked(inputs: readonly RecombineInput[], target: string, opts: RecombineOptions): Promise<RecombineSummary> {
  const started = performance.now();
  throwIfAborted(opts.signal, target);
  const update = await AtomicFileUpdate.begin(target);
  try {
    const index = new CombinedIndex(target, opts.consolidate);
    if (update.targetExisted) {
      await loadExisting(update.tempPath, target, index);
      await update.ensureTrailingNewline();
    }
    const summary: RecombineSummary = {
      target,
      inputs: inputs.length,
      inputsRecombined: 0,
      partsRead: 0,
      partsWritten: 0,
      partsConsolidated: 0,
      partsAlreadyPresent: 0,
      equivalencesWritten: 0,
      existingParts: index.parts,
      failures: [],
      seconds: 0,
    };
    let lastYield = performance.now();
    for (let i = 0; i < inputs.length; i++) {
      throwIfAborted(opts.signal, target);
      const input = inputs[i] as RecombineInput;
      let lines: string[];
      try {
        const parsed = await readInput(input.file);
        const plan = index.plan(parsed, input.uuids);
        index.commit(plan);
        summary.partsRead += parsed.partsRead;
        summary.partsWritten += plan.newParts.length;
        summary.partsConsolidated += plan.partsConsolidated;
        summary.partsAlreadyPresent += plan.partsAlreadyPresent;
        summary.equivalencesWritten += plan.newEquivalences.length;
        summary.inputsRecombined++;
        lines = plan.lines;
      } catch (error) {
        summary.failures.push(inputFailure(i, input.file, error));
        continue;
      }
      await update.appendLines(lines);
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        // Small inputs are read synchronously; let timers and sockets (heartbeats) run now and then.
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    throwIfAborted(opts.signal, target);
    if (update.targetExisted && summary.partsWritten === 0 && summary.equivalencesWritten === 0) {
      await update.abandon(); // nothing new: leave the combined file as it is, untouched
    } else {
      await update.commit();
    }
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  } catch (error) {
    await update.abandon();
    throw error;
  }
}

async function loadExisting(copy: string, target: string, index: CombinedIndex): Promise<void> {
  for await (const batch of lineBatches(copy)) {
    for (const { text, lineNumber } of batch) {
      // Name the target in errors: the copy is an implementation detail.
      const record = parsePartStoreLine(text, target, lineNumber);
      if (record !== undefined) index.addExisting(record, text);
    }
  }
}

async function readInput(file: string): Promise<ReadInput> {
  const parts = new Map<string, InputPart>();
  const equivalences = new Map<string, string>();
  let partsRead = 0;
  const take = (text: string, lineNumber: number): void => {
    const record = parsePartStoreLine(text, file, lineNumber);
    if (record === undefined) return;
    if (record.kind === 'equivalence') {
      equivalences.set(record.equivalence.equivalent, record.equivalence.to);
      return;
    }
    partsRead++;
    const earlier = parts.get(record.part.uuid);
    if (earlier === undefined) {
      parts.set(record.part.uuid, { part: record.part, line: text, keyCount: record.keyCount });
    } else if (earlier.line !== text) {
      throw new PartStoreFormatError(
        `line ${lineNumber} of ${file} repeats uuid ${record.part.uuid} with different contents; a uuid must name one part.`,
        { file, line: lineNumber },
      );
    }
  };
  const small = readSmallFileSync(file);
  if (small !== undefined) {
    forEachLineOfText(small, take);
  } else {
    for await (const batch of lineBatches(file)) for (const line of batch) take(line.text, line.lineNumber);
  }
  return { file, parts, equivalences, partsRead };
}

function inputFailure(input: number, file: string, error: unknown): RecombineFailure {
  if (error instanceof RecombinationError || error instanceof PartStoreFormatError) return { input, file, error };
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') {
    // A file system error (ENOENT, EACCES, EISDIR, ...) concerns this input only.
    return { input, file, error: new RecombinationError(`could not read ${file}: ${error.message}`, { file }, { cause: error }) };
  }
  throw error; // anything else is a bug, not a property of this input
}

function throwIfAborted(signal: AbortSignal | undefined, target: string): void {
  if (signal?.aborted === true) {
    throw new CancelledError(`recombination into ${target} was cancelled; the combined file is unchanged.`, { cause: signal.reason });
  }
}
