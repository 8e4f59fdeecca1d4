/**
 * functionMultiprocessing and its part store: run a wrapper over many keyword sets, then recombine
 * the files they wrote into one. See README.md in this folder.
 */
export { functionMultiprocessing, functionMultiprocessingDetailed } from './function-multiprocessing.js';
export type { MultiprocessingOptions, FileWaitOptions } from './options.js';
export type { ResumeInfo } from './run-folder.js';
export type {
  TaskClient,
  TaskHandle,
  Wrapper,
  WrapperKwargs,
  InjectedKwargs,
  WrapperResult,
  WrapperResultObject,
  WrapperResultTuple,
  MultiprocessingEntry,
} from './types.js';
export { PartStore, PartFile, type NewPart, type PartStoreCloseOptions } from './part-store.js';
export type { Part, EquivalenceRecord, PartStoreLine } from './part-format.js';
export { canonicalJson, type JsonValue } from './canonical-json.js';
export type { Recombiner, RecombineInput, RecombineOptions, RecombineSummary, RecombineFailure } from './recombiner.js';
export { PartStoreRecombiner, partStoreRecombiner } from './part-store-recombiner.js';
export {
  MultiprocessingError,
  WrapperResultError,
  OutputFileMissingError,
  PartStoreFormatError,
  RecombinationError,
  type MultiprocessingResult,
} from './errors.js';
