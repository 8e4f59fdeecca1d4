/**
 * The contract between functionMultiprocessing and a file format. The part store recombiner
 * (part-store-recombiner.ts) is the default; plug in your own to recombine, say, zip or HDF5 files.
 *
 * @remarks What every recombiner must do:
 * - copy, for each input in order, the objects named by `uuids` from `file` into `target`, with
 *   whatever they depend on, creating `target` or adding to it when it exists;
 * - with `consolidate`, avoid copying an object equivalent to one already in `target`, and keep
 *   some way of finding it by its original uuid;
 * - leave the previous `target` intact if it fails or the process dies part-way (write elsewhere,
 *   then rename);
 * - report an input it cannot recombine in `failures` (functionMultiprocessing then marks that
 *   entry failed) and go on with the others; throw only when `target` itself cannot be produced;
 * - stop, leaving `target` untouched, and reject when `signal` is aborted.
 *
 * What it need not do: wait for files (functionMultiprocessing has already seen each one), or guard
 * against another process writing `target` at the same time.
 *
 * @example
 * ```ts
 * const zipRecombiner: Recombiner = {
 *   async recombine(inputs, target, { consolidate }) {
 *     const started = performance.now();
 *     // open target (or a copy of it) ... copy each input's entries ... rename over target
 *     return { target, inputs: inputs.length, inputsRecombined: inputs.length, partsRead: 0, partsWritten: 0,
 *       partsConsolidated: 0, partsAlreadyPresent: 0, equivalencesWritten: 0, existingParts: 0, failures: [],
 *       seconds: (performance.now() - started) / 1000 };
 *   },
 * };
 * await functionMultiprocessing(wrapper, kwargsList, 'combined.zip', { recombiner: zipRecombiner });
 * ```
 */

/** One file to recombine and the uuids to take from it. */
export interface RecombineInput {
  /** Absolute path of the input file. */
  file: string;
  /** The uuids to copy (with everything they reference). */
  uuids: readonly string[];
}

/** Options passed to {@link Recombiner.recombine}. */
export interface RecombineOptions {
  /** Skip objects equivalent to ones already in the target, recording the equivalence instead. */
  consolidate: boolean;
  /** Abort the recombination; the target must then be left as it was. */
  signal?: AbortSignal;
}

/** An input that could not be recombined; the others were. */
export interface RecombineFailure {
  /** Its position in the `inputs` array. */
  input: number;
  /** Its file. */
  file: string;
  /** Why. */
  error: Error;
}

/** What a recombination did. Counters a format has no use for are 0. */
export interface RecombineSummary {
  /** The absolute path of the combined file. */
  target: string;
  /** The number of inputs given. */
  inputs: number;
  /** The number of inputs fully recombined. */
  inputsRecombined: number;
  /** Parts read from input files (every part in them, listed or not). */
  partsRead: number;
  /** Parts copied into the target. */
  partsWritten: number;
  /** Parts not copied because an equivalent part was already there. */
  partsConsolidated: number;
  /** Parts not copied because their uuid was already in the target. */
  partsAlreadyPresent: number;
  /** Equivalence records added to the target. */
  equivalencesWritten: number;
  /** Parts the target held before. */
  existingParts: number;
  /** Inputs that could not be recombined, with the reason. */
  failures: RecombineFailure[];
  /** Wall time of the recombination, in seconds. */
  seconds: number;
}

/** Copies the wanted objects of many files into one combined file. See the module remarks for the contract. */
export interface Recombiner {
  /**
   * Recombines `inputs` (in order) into `target`.
   *
   * @throws when `target` cannot be produced (it is then unchanged), or when `opts.signal` aborts.
   */
  recombine(inputs: readonly RecombineInput[], target: string, opts: RecombineOptions): Promise<RecombineSummary>;
}
