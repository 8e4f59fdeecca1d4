/**
 * POSIX shell quoting, in two flavours that share one rule for safe words and literal text.
 *
 * - {@link shellQuote} / {@link formatCommand}: every character literal. Used to show the commands flotilla
 *   runs, so a printed command pasted into a shell runs the same argument vector that flotilla spawned.
 * - {@link quoteShellWord} / {@link shellCommand}: for the bash line that starts a worker in a job script,
 *   where user values must arrive literally (a path with a space, a quote in an argument) but references
 *   such as `$SLURM_JOB_ID` or `$TMPDIR` must expand *in the job*. So `$NAME` and `${NAME}` expand,
 *   everything else is literal. dask-jobqueue does not quote at all, which breaks on the first space.
 */

/** Characters that never need quoting in bash or sh (no globbing, expansion or word splitting). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const VARIABLE_REFERENCE = /\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})/g;

/**
 * Quotes one argument for a POSIX shell.
 *
 * Safe words are returned as they are; everything else is wrapped in single quotes, with each embedded
 * single quote written as `'\''`. The empty string becomes `''`.
 *
 * @example
 * shellQuote("it's")   // 'it'\''s'
 */
export function shellQuote(argument: string): string {
  if (SAFE_WORD.test(argument)) return argument;
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/**
 * Formats an argument vector as one shell command line, for display and for batch scripts.
 *
 * @example
 * formatCommand(['srun', '-w', 'node 1', 'hostname'])   // "srun -w 'node 1' hostname"
 */
export function formatCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * One shell word for `value`: bare when it is made of safe characters, double-quoted when it contains
 * `$NAME`/`${NAME}` references (which then expand), single-quoted otherwise.
 * @example quoteShellWord('a b') // "'a b'"; quoteShellWord('w-$SLURM_JOB_ID') // '"w-$SLURM_JOB_ID"'
 */
export function quoteShellWord(value: string): string {
  if (SAFE_WORD.test(value) || value.search(VARIABLE_REFERENCE) < 0) return shellQuote(value);
  let quoted = '';
  let last = 0;
  for (const match of value.matchAll(VARIABLE_REFERENCE)) {
    quoted += escapeForDoubleQuotes(value.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return `"${quoted}${escapeForDoubleQuotes(value.slice(last))}"`;
}

/** Words joined into a command line with {@link quoteShellWord}. */
export function shellCommand(words: readonly string[]): string {
  return words.map(quoteShellWord).join(' ');
}

function escapeForDoubleQuotes(text: string): string {
  return text.replace(/[\\"$`]/g, (character) => `\\${character}`);
}
