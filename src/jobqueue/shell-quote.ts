/**
 * Quoting words for the bash line that starts the worker.
 *
 * Job scripts need two things at once: user values must arrive literally (a path with a space, a
 * quote in an argument), and references such as `$SLURM_JOB_ID` or `$TMPDIR` must expand *in the job*.
 * So the rule is: `$NAME` and `${NAME}` expand, everything else is literal. dask-jobqueue does not quote
 * at all, which breaks on the first space.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const VARIABLE_REFERENCE = /\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})/g;

/**
 * One shell word for `value`: bare when it is made of safe characters, double-quoted when it contains
 * `$NAME`/`${NAME}` references (which then expand), single-quoted otherwise.
 * @example quoteShellWord('a b') // "'a b'"; quoteShellWord('w-$SLURM_JOB_ID') // '"w-$SLURM_JOB_ID"'
 */
export function quoteShellWord(value: string): string {
  if (SAFE_WORD.test(value)) return value;
  if (value.search(VARIABLE_REFERENCE) >= 0) {
    let quoted = '';
    let last = 0;
    for (const match of value.matchAll(VARIABLE_REFERENCE)) {
      quoted += escapeForDoubleQuotes(value.slice(last, match.index)) + match[0];
      last = match.index + match[0].length;
    }
    return `"${quoted}${escapeForDoubleQuotes(value.slice(last))}"`;
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Words joined into a command line with {@link quoteShellWord}. */
export function shellCommand(words: readonly string[]): string {
  return words.map(quoteShellWord).join(' ');
}

function escapeForDoubleQuotes(text: string): string {
  return text.replace(/[\\"$`]/g, (character) => `\\${character}`);
}
