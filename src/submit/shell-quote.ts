/**
 * POSIX shell quoting, used both to show the commands flotilla runs and to write them into batch scripts.
 *
 * The two uses must agree: a command printed by {@link formatCommand} can be pasted into a shell and runs
 * the same argument vector that flotilla spawned.
 */

/** Characters that never need quoting in bash or sh (no globbing, expansion or word splitting). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

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
