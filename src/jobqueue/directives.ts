/**
 * The job header: generated directives, minus the skipped ones, plus the user's extra ones.
 *
 * Skipping matches directives by their option name, never by substring (dask-jobqueue's substring
 * filter made `--mem` also remove `--mem-per-cpu`, and used to remove the user's own extra lines).
 */
import type { BatchSystem } from './batch-system.js';
import type { JobQueueOptions } from './options.js';
import type { ResolvedJobOptions } from './resolved-options.js';

/** A directive body split into its option and, for `-l name=value` style options, the resource name. */
export interface DirectiveKey {
  /** `'--mem'` for `--mem=8G`, `'-t'` for `-t 00:30:00`, `'-l'` for `-l h_rt=…`. */
  readonly option: string;
  /** `'h_rt'` for `-l h_rt=00:30:00`, `'select'` for `-l select=1:…`; absent when the value is not `name=…`. */
  readonly resource?: string;
}

/** Splits a directive body (without prefix) into option and resource name. */
export function directiveKey(body: string): DirectiveKey {
  const text = body.trim();
  const longWithValue = /^(--[^\s=]+)=/.exec(text);
  if (longWithValue?.[1] !== undefined) return { option: longWithValue[1] };
  const [option = '', ...rest] = text.split(/\s+/);
  const resource = /^([A-Za-z_][\w.-]*)=/.exec(rest.join(' '))?.[1];
  return resource === undefined ? { option } : { option, resource };
}

/**
 * Whether the skip entry `entry` names the directive `body`. An entry matches when it is the
 * directive's option (`--mem`, `-t`, `-l`), its option and resource (`-l h_rt`), or the whole directive;
 * a leading directive prefix on the entry (`#SBATCH --mem`) is ignored.
 */
export function skipEntryMatches(entry: string, body: string, prefix: string): boolean {
  let wanted = normaliseSpaces(entry);
  if (prefix !== '' && wanted.startsWith(`${prefix} `)) wanted = wanted.slice(prefix.length + 1);
  if (wanted === '') return false;
  if (wanted === normaliseSpaces(body)) return true;
  const key = directiveKey(body);
  if (wanted === key.option) return true;
  return key.resource !== undefined && wanted === `${key.option} ${key.resource}`;
}

/**
 * The job header as lines: the system's generated directives without those named in
 * `jobDirectivesSkip`, then `jobExtraDirectives` (never skipped), each with the directive prefix.
 */
export function jobHeaderLines<O extends JobQueueOptions>(system: BatchSystem<O>, job: ResolvedJobOptions<O>): string[] {
  const generated = system
    .directives(job)
    .filter((body) => !job.jobDirectivesSkip.some((entry) => skipEntryMatches(entry, body, system.directivePrefix)));
  const lines = [...generated, ...job.jobExtraDirectives].map((body) => withPrefix(system.directivePrefix, body));
  return lines;
}

function withPrefix(prefix: string, body: string): string {
  const trimmed = body.trim();
  // An extra directive written with its prefix (`'#SBATCH --exclusive'`) is kept as written.
  if (prefix === '' || trimmed.startsWith(`${prefix} `)) return trimmed;
  return `${prefix} ${trimmed}`;
}

function normaliseSpaces(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}
