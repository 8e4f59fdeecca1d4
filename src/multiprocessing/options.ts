/** The options of functionMultiprocessing, documented where they are declared, and their checking. */
import { resolve as resolvePath } from 'node:path';
import { ConfigurationError } from '../errors/index.js';
import { partStoreRecombiner } from './part-store-recombiner.js';
import type { Recombiner } from './recombiner.js';
import type { TaskClient } from './types.js';

/** How long to wait for a wrapper's output file to become visible (shared file systems can lag). */
export interface FileWaitOptions {
  /**
   * How many times to look for the file (the first look is immediate).
   * @defaultValue 30
   */
  attempts?: number;
  /**
   * Milliseconds between looks.
   * @defaultValue 1000
   */
  intervalMs?: number;
}

/** Options of {@link functionMultiprocessing}. */
export interface MultiprocessingOptions {
  /**
   * Where to run the wrappers: a flotilla Client (anything with `submit`). Without one, they run
   * in this process, one after another (raise `concurrency` to overlap async wrappers).
   * @defaultValue undefined (in-process)
   */
  client?: TaskClient;
  /**
   * Skip parts equivalent to ones already in the combined file (same type, data and mapped refs),
   * recording an equivalence instead.
   * @defaultValue true
   */
  consolidate?: boolean;
  /**
   * Reject with a `MultiprocessingError` listing the failed indices when any entry fails. The
   * successful entries are still recombined first, so no finished work is lost.
   * @defaultValue false
   */
  requireSuccess?: boolean;
  /**
   * The folder under which this call's temporary folder `tmp_<uuid>` is made (created when
   * missing). On a cluster it must be on a file system every worker sees.
   * @defaultValue '.' (the working directory)
   */
  tmpDir?: string;
  /**
   * Remove the temporary folder after recombination. It is kept anyway when recombination fails as
   * a whole, so the task outputs are not lost.
   * @defaultValue true
   */
  cleanUp?: boolean;
  /**
   * The most tasks in flight at once (a positive integer or `Infinity`).
   * @defaultValue `Infinity` with a client (the scheduler balances), 1 without one
   */
  concurrency?: number;
  /**
   * The file format: how task outputs are merged into the combined file.
   * @defaultValue the part store recombiner (JSON Lines; see README.md)
   */
  recombiner?: Recombiner;
  /** Cancels the call: no new tasks are submitted, running ones are cancelled, and it rejects with a `CancelledError`. */
  signal?: AbortSignal;
  /** The bounded wait for each output file. */
  fileWait?: FileWaitOptions;
  /**
   * Finish an interrupted run into the same `recombinedFile` instead of starting afresh: the call
   * looks in `tmpDir` for the folder a killed call left, takes it over, runs only the keyword sets
   * without a recorded success (or whose keyword set has changed since), and recombines them all,
   * giving the file a clean run would. With no interrupted run there, it simply starts one, so a job
   * script may always pass it.
   * @defaultValue false
   */
  resume?: boolean;
}

/** Options with defaults applied and every value checked. */
export interface ResolvedOptions {
  client: TaskClient | undefined;
  consolidate: boolean;
  requireSuccess: boolean;
  tmpDir: string;
  cleanUp: boolean;
  concurrency: number;
  recombiner: Recombiner;
  signal: AbortSignal | undefined;
  fileWait: Required<FileWaitOptions>;
  resume: boolean;
}

const KNOWN_OPTIONS = new Set([
  'client',
  'consolidate',
  'requireSuccess',
  'tmpDir',
  'cleanUp',
  'concurrency',
  'recombiner',
  'signal',
  'fileWait',
  'resume',
]);

function received(value: unknown): string {
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

function bad(option: string, expected: string, value: unknown): ConfigurationError {
  return new ConfigurationError(`functionMultiprocessing: option \`${option}\` must be ${expected}, received ${received(value)}.`);
}

function booleanOption(options: MultiprocessingOptions, name: 'consolidate' | 'requireSuccess' | 'cleanUp' | 'resume', fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw bad(name, 'true or false', value);
  return value;
}

function positiveInteger(option: string, value: unknown, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && ((Number.isInteger(value) && value >= 1) || (allowInfinity && value === Infinity))) return value;
  throw bad(option, `a positive integer${allowInfinity ? ' or Infinity' : ''}`, value);
}

/**
 * Applies defaults and checks every option.
 *
 * @throws ConfigurationError naming the option, what it must be, and what was received.
 */
export function resolveOptions(options: MultiprocessingOptions | undefined): ResolvedOptions {
  const given = options ?? {};
  if (typeof given !== 'object' || given === null) throw bad('options', 'an object', given);
  for (const key of Object.keys(given)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new ConfigurationError(
        `functionMultiprocessing: unknown option \`${key}\`; the options are ${[...KNOWN_OPTIONS].join(', ')}.`,
      );
    }
  }
  const { client, recombiner, signal, tmpDir = '.', fileWait = {} } = given;
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof client.submit !== 'function')) {
    throw bad('client', 'a flotilla Client (an object with a submit method)', client);
  }
  if (recombiner !== undefined && (typeof recombiner !== 'object' || recombiner === null || typeof recombiner.recombine !== 'function')) {
    throw bad('recombiner', 'an object with a recombine(inputs, target, opts) method', recombiner);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw bad('signal', 'an AbortSignal', signal);
  if (typeof tmpDir !== 'string' || tmpDir === '') throw bad('tmpDir', 'a non-empty folder path', tmpDir);
  if (typeof fileWait !== 'object' || fileWait === null) throw bad('fileWait', 'an object { attempts?, intervalMs? }', fileWait);
  const intervalMs = fileWait.intervalMs ?? 1000;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 0) {
    throw bad('fileWait.intervalMs', 'a finite number of milliseconds >= 0', intervalMs);
  }
  return {
    client,
    consolidate: booleanOption(given, 'consolidate', true),
    requireSuccess: booleanOption(given, 'requireSuccess', false),
    tmpDir: resolvePath(tmpDir),
    cleanUp: booleanOption(given, 'cleanUp', true),
    concurrency: positiveInteger('concurrency', given.concurrency, client === undefined ? 1 : Infinity, true),
    recombiner: recombiner ?? partStoreRecombiner,
    signal,
    fileWait: { attempts: positiveInteger('fileWait.attempts', fileWait.attempts, 30), intervalMs },
    resume: booleanOption(given, 'resume', false),
  };
}
